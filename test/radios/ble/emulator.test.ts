import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atc1441, bthomeEncrypt, ibeacon, ruuviRawV2 } from '../../../hardware/emulators/ble/sensors';
import { encodeAdvertisingReport } from '../../../hardware/emulators/ble/hci-socket';

// Public test vectors (bthome.io, docs.ruuvi.com format 5, atc1441 firmware, Apple iBeacon layout).
const vectors = {
  bthome_v2: { encrypted: { key: '231d39c1d7cc1ab1aee224cd096db932', mac: '54:48:E6:8F:80:A5', cases: [null, { svc: '41a47266c95f730011223378237214' }] } },
  ruuvi_rawv2: { cases: [{ mfg: '0512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F' }] },
  atc_pvvx: { cases: [{ svc: 'a4c138d5d49801453e510b7b62' }] },
  ibeacon: { mfg: '4c000215426c7565436861726d426561636f6e730efe1355c5' },
};

test('emulated BTHome v2 encryption reproduces the public vector', () => {
  const v = vectors.bthome_v2.encrypted;
  const svc = bthomeEncrypt(v.mac, Buffer.from(v.key, 'hex'), 0x33221100, Buffer.from('02ca0903bf13', 'hex'));
  assert.equal(svc.toString('hex'), v.cases[1]!.svc);
});

test('emulated Ruuvi RAWv2, ATC1441 and iBeacon payloads match the public vectors', () => {
  const ruuvi = ruuviRawV2({ temperature: 24.3, humidity: 53.49, pressure: 1000.44, acc: [0.004, -0.004, 1.036], voltage: 2.977, txPower: 4, movement: 66, seq: 205, mac: 'cbb8334c884f' });
  assert.equal(ruuvi.toString('hex'), vectors.ruuvi_rawv2.cases[0].mfg.toLowerCase());
  const atc = atc1441({ mac: 'a4c138d5d498', temperature: 32.5, humidity: 62, battery: 81, voltage: 2.939, counter: 0x62 });
  assert.equal(atc.toString('hex'), vectors.atc_pvvx.cases[0].svc);
  const beacon = Buffer.concat([Buffer.from('4c00', 'hex'), ibeacon('426c7565-4368-6172-6d42-6561636f6e73', 3838, 4949, -59)]);
  assert.equal(beacon.toString('hex'), vectors.ibeacon.mfg);
});

test('LE Advertising Report event layout (HCI 7.7.65.2)', () => {
  const evt = encodeAdvertisingReport([{ address: 'aa:bb:cc:dd:ee:ff', addressType: 'random', advType: 3, data: Buffer.from('020106', 'hex'), rssi: -42 }]);
  assert.equal(evt.toString('hex'), '043e' + '0f' + '02' + '01' + '03' + '01' + 'ffeeddccbbaa' + '03' + '020106' + 'd6');
  assert.throws(() => encodeAdvertisingReport([{ address: 'aabbccddeeff', addressType: 'public', advType: 0, data: Buffer.alloc(32), rssi: 0 }]), /31 bytes/);
});
