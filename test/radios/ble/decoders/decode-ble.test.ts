import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advertFromOmg, decodeBleLine, normaliseUuid } from '../../../../src/radios/ble/decode-ble';
import vectors from './public-vectors.json';

const enc = vectors.bthome_v2.encrypted;
const KEYS = new Map([[enc.mac.replace(/:/g, '').toLowerCase(), Buffer.from(enc.key, 'hex')]]);

function run(obj: unknown, keys?: Map<string, Buffer>): Record<string, unknown> {
  const out = decodeBleLine(JSON.stringify(obj), keys);
  assert.ok(!out.includes('\n'));
  return JSON.parse(out) as Record<string, unknown>;
}

test('decode ble: OMG undecoded BTHome advert, encrypted, with a key for its MAC', () => {
  const out = run({ id: enc.mac, name: 'SBHT-003C', servicedata: enc.cases[1].svc, servicedatauuid: '0xfcd2', rssi: -70 }, KEYS);
  assert.deepEqual(out, { id: enc.mac, fmt: 'bthome', fields: { temperature: 25.06, humidity: 50.55 } });
});

test('decode ble: encrypted advert without a key → fmt + error', () => {
  assert.deepEqual(run({ id: enc.mac, servicedata: enc.cases[2].svc, servicedatauuid: 'fcd2', rssi: -70 }),
    { id: enc.mac, fmt: 'bthome', error: 'no_key' });
});

test('decode ble: service data with its UUID in front and no servicedatauuid', () => {
  const c = enc.cases[0] as { svc_with_uuid: string };
  assert.deepEqual(run({ id: enc.mac, servicedata: c.svc_with_uuid, rssi: -60 }, KEYS),
    { id: enc.mac, fmt: 'bthome', fields: { temperature: 25.06, humidity: 50.55 } });
});

test('decode ble: ruuvi manufacturer data, atc service data, ibeacon', () => {
  const ruuvi = run({ id: 'CB:B8:33:4C:88:4F', manufacturerdata: '9904' + vectors.ruuvi_rawv2.cases[0].mfg, rssi: -80 });
  assert.equal(ruuvi.fmt, 'ruuvi5');
  assert.equal((ruuvi.fields as Record<string, number>).temperature, 24.3);
  const atc = run({ id: 'A4:C1:38:D5:D4:98', name: 'ATC_D5D498', servicedata: vectors.atc_pvvx.cases[0].svc, servicedatauuid: '0x181a', rssi: -60 });
  assert.deepEqual(atc, { id: 'A4:C1:38:D5:D4:98', fmt: 'atc1441', fields: { temperature: 32.5, humidity: 62, battery: 81, voltage: 2.939 } });
  const ib = run({ id: '11:22:33:44:55:66', manufacturerdata: vectors.ibeacon.mfg, rssi: -50 });
  assert.deepEqual(ib.fields, vectors.ibeacon.expect);
});

test('decode ble: 128-bit base UUID form and uppercase hex', () => {
  const out = run({ id: 'aa:bb:cc:dd:ee:ff', servicedata: '4002CA0903BF13', servicedatauuid: '0000FCD2-0000-1000-8000-00805F9B34FB' });
  assert.deepEqual(out.fields, { temperature: 25.06, humidity: 50.55 });
  assert.equal(normaliseUuid('0xFCD2'), 'fcd2');
  assert.equal(normaliseUuid('0000fcd2'), 'fcd2');
  assert.equal(normaliseUuid('6e400001-b5a3-f393-e0a9-e50e24dcca9e'), '6e400001b5a3f393e0a9e50e24dcca9e');
  assert.equal(normaliseUuid('xyz'), undefined);
});

test('decode ble: bad input gives an error line, never an exception', () => {
  assert.deepEqual(JSON.parse(decodeBleLine('{not json')), { id: null, error: 'bad_json' });
  assert.deepEqual(JSON.parse(decodeBleLine('')), { id: null, error: 'bad_json' });
  assert.deepEqual(JSON.parse(decodeBleLine('[1,2]')), { id: null, error: 'not_an_object' });
  assert.deepEqual(JSON.parse(decodeBleLine('null')), { id: null, error: 'not_an_object' });
  assert.deepEqual(run({ id: 'x', servicedata: 'zz', servicedatauuid: 'fcd2' }), { id: 'x', error: 'bad_servicedata' });
  assert.deepEqual(run({ id: 'x', manufacturerdata: 'abc' }), { id: 'x', error: 'bad_manufacturerdata' });
  assert.deepEqual(run({ id: 'x', manufacturerdata: 12 }), { id: 'x', error: 'bad_manufacturerdata' });
  assert.deepEqual(run({ id: 'x', servicedata: '00', servicedatauuid: 'nope' }), { id: 'x', error: 'bad_servicedatauuid' });
  assert.deepEqual(run({ id: 'x', rssi: -50 }), { id: 'x', error: 'unknown_format' });
  assert.deepEqual(run({ id: 'x', servicedata: '0102', servicedatauuid: '0x1234' }), { id: 'x', error: 'unknown_format' });
  // A non-MAC id cannot decrypt (the MAC is part of the nonce) but is still echoed
  assert.deepEqual(run({ id: 'not-a-mac', servicedata: enc.cases[1].svc, servicedatauuid: 'fcd2' }, KEYS),
    { id: 'not-a-mac', fmt: 'bthome', error: 'no_key' });
});

test('advertFromOmg: shape of the advert', () => {
  const a = advertFromOmg({ id: 'A4:C1:38:D5:D4:98', name: 'n', manufacturerdata: '9904aa', servicedata: '01', servicedatauuid: '0x181A', rssi: -42 });
  assert.equal(a.mac, 'a4c138d5d498');
  assert.equal(a.rssi, -42);
  assert.equal(a.localName, 'n');
  assert.deepEqual(a.manufacturerData, Buffer.from('9904aa', 'hex'));
  assert.deepEqual(a.serviceData, [{ uuid: '181a', data: Buffer.from('01', 'hex') }]);
  assert.throws(() => advertFromOmg('str'), /not_an_object/);
});

test('decode ble: an optional "model" key names the model of a passive advert (like pair --model)', () => {
  // A SwitchBot plug heard in a passive scan, 14 bytes (a length no type owns): 0x80 = on, 0x0064 = 10.0 W
  const line = { id: 'AA:BB:CC:DD:EE:FF', manufacturerdata: '6909' + 'aabbccddeeff' + '01' + '80' + '00' + '40' + '0064' + '0000' };
  assert.deepEqual(run({ ...line, model: 'Plug_Mini' }), { id: 'AA:BB:CC:DD:EE:FF', fmt: 'switchbot', fields: { power_on: true, power: 10 } });
  assert.deepEqual(run(line), { id: 'AA:BB:CC:DD:EE:FF', fmt: 'switchbot', error: 'model_unknown' });
});
