import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import type { Advert } from '../../../../src/radios/ble/advert';
import { DECODERS, DecoderIndex, decodeAdvert } from '../../../../src/radios/ble/decoders/registry';
import { expectFields, mfgAdvert, ok, svcAdvert } from './helpers';

// Hand-made vectors: each built from the layout documented at the top of its decoder file.

test('ruuvi RAWv1: docs.ruuvi.com data format 3 example', () => {
  // Example frame from the RAWv1 page: hum 20.5 %, temp 26.3 °C, 1027.66 hPa, acc -1/-1.726/0.714 g, 2.899 V
  const r = ok(decodeAdvert(mfgAdvert('9904' + '03291a1ece1efc18f94202ca0b53'), {}), 'ruuvi3');
  expectFields(r.fields, {
    humidity: 20.5, temperature: 26.3, pressure: 1027.66,
    acceleration_x: -1, acceleration_y: -1.726, acceleration_z: 0.714, voltage: 2.899,
  });
  // Sign-magnitude temperature: 0x81 0x45 = -1.69 °C
  expectFields(ok(decodeAdvert(mfgAdvert('9904' + '03298145ce1efc18f94202ca0b53'), {})).fields, { temperature: -1.69 });
  assert.equal(ok(decodeAdvert(mfgAdvert('9904' + '03291a1ece1efc18f94202ca0b53'), {})).counter, undefined);
});

test('ruuvi: other data formats and short frames', () => {
  assert.equal(decodeAdvert(mfgAdvert('9904' + '08aabbcc'), {}), undefined);
  assert.deepEqual(decodeAdvert(mfgAdvert('9904' + '0512fc5394'), {}), { fmt: 'ruuvi5', error: 'malformed' });
});

test('eddystone UID', () => {
  const r = ok(decodeAdvert(svcAdvert('feaa', '00e8' + '00112233445566778899' + 'aabbccddeeff' + '0000'), {}), 'eddystone');
  assert.deepEqual(r.fields, { frame: 'uid', tx_power: -24, namespace: '00112233445566778899', instance: 'aabbccddeeff' });
});

test('eddystone URL: scheme prefix and expansion codes', () => {
  // 0x03 = "https://", "goo.gl/" with 0x07 ".com"; 0x00 = "http://www.", "example" + 0x00 ".com/" + "x"
  const a = ok(decodeAdvert(svcAdvert('feaa', '10eb' + '03' + Buffer.from('goo').toString('hex') + '07'), {}));
  assert.deepEqual(a.fields, { frame: 'url', tx_power: -21, url: 'https://goo.com' });
  const b = ok(decodeAdvert(svcAdvert('feaa', '10eb' + '00' + Buffer.from('example').toString('hex') + '00' + '78'), {}));
  assert.equal(b.fields.url, 'http://www.example.com/x');
  assert.deepEqual(decodeAdvert(svcAdvert('feaa', '10eb09aa'), {}), { fmt: 'eddystone', error: 'malformed' });
});

test('eddystone TLM: mV, 8.8 fixed-point temperature, counters; eTLM needs a key', () => {
  // version 0 | 3000 mV | 0x1880 = 24.5 °C | adv count 1000 | 36000 × 0.1 s
  const r = ok(decodeAdvert(svcAdvert('feaa', '20' + '00' + '0bb8' + '1880' + '000003e8' + '00008ca0'), {}));
  assert.deepEqual(r.fields, { frame: 'tlm', voltage: 3, temperature: 24.5, adv_count: 1000, uptime_s: 3600 });
  const neg = ok(decodeAdvert(svcAdvert('feaa', '20' + '00' + '0000' + 'ff80' + '00000001' + '00000001'), {}));
  assert.deepEqual(neg.fields, { frame: 'tlm', temperature: -0.5, adv_count: 1, uptime_s: 0.1 });
  const na = ok(decodeAdvert(svcAdvert('feaa', '20' + '00' + '0bb8' + '8000' + '00000001' + '00000001'), {}));
  assert.equal('temperature' in na.fields, false);
  assert.deepEqual(decodeAdvert(svcAdvert('feaa', '2001' + '00'.repeat(16)), {}), { fmt: 'eddystone', error: 'no_key' });
});

test('eddystone EID and unknown frame types', () => {
  assert.deepEqual(ok(decodeAdvert(svcAdvert('feaa', '30f4' + '0102030405060708'), {})).fields,
    { frame: 'eid', tx_power: -12, eid: '0102030405060708' });
  assert.deepEqual(decodeAdvert(svcAdvert('feaa', '40'), {}), { fmt: 'eddystone', error: 'unsupported' });
});

test('govee H5075/H5072: packed temperature/humidity, negative bit, battery', () => {
  // 0x03215d = 205149 → 20.5 °C, 14.9 %; battery 0x64 = 100 % (Theengs H5075 / GoveeWatcher layout)
  const r = ok(decodeAdvert(mfgAdvert('88ec00' + '03215d' + '64' + '00'), {}), 'govee');
  assert.deepEqual(r.fields, { temperature: 20.5, humidity: 14.9, battery: 100 });
  // bit 23 set: 0x80 | 0x0188c3 (100547) → -10.0 °C, 54.7 %
  const n = ok(decodeAdvert(mfgAdvert('88ec00' + '8188c3' + '3c' + '00'), {}));
  assert.deepEqual(n.fields, { temperature: -10, humidity: 54.7, battery: 60 });
});

test('govee H5074: little-endian centi-degrees and centi-percent', () => {
  // 88ec 00 | 0x0904 = 23.08 °C | 0x1770 = 60.00 % | 0x55 = 85 % | 02
  const r = ok(decodeAdvert(mfgAdvert('88ec00' + '0409' + '7017' + '55' + '02'), {}));
  assert.deepEqual(r.fields, { temperature: 23.08, humidity: 60, battery: 85 });
  assert.deepEqual(decodeAdvert(mfgAdvert('88ec0001'), {}), { fmt: 'govee', error: 'malformed' });
});

test('switchbot meter: service data 0d00 and fd3d', () => {
  // 'T' | status | battery 0x64 | decimal 5 | 0x80|23 (positive) | humidity 45
  const r = ok(decodeAdvert(svcAdvert('0d00', '54' + '00' + '64' + '05' + '97' + '2d'), {}), 'switchbot');
  assert.deepEqual(r.fields, { temperature: 23.5, humidity: 45, battery: 100 });
  // Meter Plus 'i', below zero: integer byte without bit 7 → -3.2 °C
  const n = ok(decodeAdvert(svcAdvert('fd3d', '69' + '00' + '5a' + '02' + '03' + '50'), {}));
  assert.deepEqual(n.fields, { temperature: -3.2, humidity: 80, battery: 90 });
});

test('switchbot outdoor meter: reading in company 0x0969 manufacturer data', () => {
  const a: Advert = {
    mac: 'aabbccddeeff', rssi: -70,
    serviceData: [{ uuid: 'fd3d', data: Buffer.from('770050', 'hex') }],
    // 69 09 | MAC(6) | seq | x | decimal 7 | 0x80|12 | humidity 66
    manufacturerData: Buffer.from('6909' + 'aabbccddeeff' + '01' + '00' + '07' + '8c' + '42' + '00', 'hex'),
  };
  assert.deepEqual(ok(decodeAdvert(a, {})).fields, { temperature: 12.7, humidity: 66, battery: 80 });
  // SwitchBot types without a decoder (humidifier 'e') are not claimed
  assert.equal(decodeAdvert(svcAdvert('fd3d', '650064'), {}), undefined);
});

test('mibeacon plain: temperature+humidity object with MAC included (LYWSDCGQ-style frame)', () => {
  // fc 0x2050 (v2, MAC, object) | product 0x01aa | counter 0xda | MAC LE | 0x100d len 4: 25.4 °C, 58.4 %
  const r = ok(decodeAdvert(svcAdvert('fe95', '5020' + 'aa01' + 'da' + '8b98c54124f8' + '0d1004' + 'fe004802'), {}), 'mibeacon');
  assert.deepEqual(r.fields, { temperature: 25.4, humidity: 58.4 });
  assert.equal(r.counter, 0xda);
});

test('mibeacon plain: flower-care objects, capability byte, unknown objects skipped', () => {
  // fc 0x2070 (MAC, capability, object) | product 0x0098 | counter | MAC | capability 0x0d |
  // 0x1007 illuminance 0x0186a0 | unknown 0x1099 len 2 | 0x1008 moisture 42 | 0x1009 conductivity 350 |
  // 0x1004 temp -5.5 | 0x1006 humidity 45.1 | 0x100a battery 88
  const hex = '7020' + '9800' + '01' + '112233445566' + '0d' + '071003a08601' + '99100200ff' + '0810012a' +
    '0910025e01' + '041002c9ff' + '061002c301' + '0a100158';
  const r = ok(decodeAdvert(svcAdvert('fe95', hex), {}));
  assert.deepEqual(r.fields, { illuminance: 100000, moisture: 42, conductivity: 350, temperature: -5.5, humidity: 45.1, battery: 88 });
});

test('mibeacon: frames without objects and encrypted frames without a key', () => {
  assert.deepEqual(decodeAdvert(svcAdvert('fe95', '1020aa01da8b98c54124f8'), {}), { fmt: 'mibeacon', error: 'no_data' });
  assert.deepEqual(decodeAdvert(svcAdvert('fe95', '5858' + '5b05' + '50' + 'a8d3b938c1a4' + '00112233' + '000000' + 'aabbccdd'), {}),
    { fmt: 'mibeacon', error: 'no_key' });
});

/** MiBeacon v5 encryption as documented in mibeacon.ts (for a round trip). */
function miEncrypt(key: Buffer, header: Buffer, macLe: Buffer, plain: Buffer, ext: Buffer): Buffer {
  const nonce = Buffer.concat([macLe, header.subarray(2, 5), ext]);
  const c = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: 4 });
  c.setAAD(Buffer.from([0x11]), { plaintextLength: plain.length });
  const ct = c.update(plain);
  c.final();
  return Buffer.concat([header, ct, ext, c.getAuthTag()]);
}

test('mibeacon v5 encrypted: decrypts with the bindkey; wrong key → auth_failed; old counter → replay', () => {
  const key = Buffer.from('e9ea895fac7cca6d30532432a516f3a8', 'hex');
  const mac = 'a4c138b9d3a8';
  const macLe = Buffer.from(mac, 'hex').reverse();
  // fc 0x5858: v5, encrypted, MAC included, object included | product 0x055b | counter 0x50 | MAC LE
  const header = Buffer.concat([Buffer.from('58585b0550', 'hex'), macLe]);
  const data = miEncrypt(key, header, macLe, Buffer.from('0d1004fe004802' + '0a100164', 'hex'), Buffer.from('010000', 'hex'));
  const a: Advert = { mac, rssi: -50, serviceData: [{ uuid: 'fe95', data }] };
  const r = ok(decodeAdvert(a, { bindkey: key }));
  assert.deepEqual(r.fields, { temperature: 25.4, humidity: 58.4, battery: 100 });
  assert.equal(r.authenticated, true);
  assert.equal(r.counter, 1 * 256 + 0x50);
  const wrong = Buffer.from(key);
  wrong[15] ^= 0xff;
  assert.deepEqual(decodeAdvert(a, { bindkey: wrong }), { fmt: 'mibeacon', error: 'auth_failed' });
  assert.deepEqual(decodeAdvert(a, { bindkey: key, lastCounter: r.counter }), { fmt: 'mibeacon', error: 'replay' });
  // Without the MAC in the frame the advert's address is used for the nonce
  const header2 = Buffer.from('48585b0551', 'hex');
  const data2 = miEncrypt(key, header2, macLe, Buffer.from('0a100132', 'hex'), Buffer.from('010000', 'hex'));
  assert.deepEqual(ok(decodeAdvert({ mac, rssi: 0, serviceData: [{ uuid: 'fe95', data: data2 }] }, { bindkey: key })).fields, { battery: 50 });
});

/** pvvx encrypted beacon as documented in pvvx.ts (for a round trip). */
function pvvxEncrypt(key: Buffer, mac: string, counter: number, plain: Buffer): Buffer {
  const len = 1 + plain.length + 4;
  const nonce = Buffer.concat([Buffer.from(mac, 'hex').reverse(), Buffer.from([len + 3, 0x16, 0x1a, 0x18, counter])]);
  const c = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: 4 });
  c.setAAD(Buffer.from([0x11]), { plaintextLength: plain.length });
  const ct = c.update(plain);
  c.final();
  return Buffer.concat([Buffer.from([counter]), ct, c.getAuthTag()]);
}

test('pvvx encrypted custom (11 bytes) and atc1441-style (8 bytes) beacons decrypt with the bindkey', () => {
  const key = Buffer.from('b2d4f6a8c0e1d3f5a7b9c1e3f5a7b9c1', 'hex');
  const mac = 'a4c138d5d498';
  // 21.12 °C | 50.53 % | 100 % | flags 0x0f
  const custom = pvvxEncrypt(key, mac, 0xcc, Buffer.from('4008bd13640f', 'hex'));
  assert.equal(custom.length, 11);
  const r = ok(decodeAdvert({ mac, rssi: 0, serviceData: [{ uuid: '181a', data: custom }] }, { bindkey: key }), 'pvvx');
  assert.deepEqual(r.fields, { temperature: 21.12, humidity: 50.53, battery: 100, flags: 15 });
  assert.equal(r.counter, 0xcc);
  assert.equal(r.authenticated, true);
  // (0x6d / 2) − 40 = 14.5 °C | 0x79 / 2 = 60.5 % | battery 0x55 with the trigger bit set
  const short = pvvxEncrypt(key, mac, 7, Buffer.from('6d79d5', 'hex'));
  assert.equal(short.length, 8);
  const s = ok(decodeAdvert({ mac, rssi: 0, serviceData: [{ uuid: '181a', data: short }] }, { bindkey: key }), 'atc1441');
  assert.deepEqual(s.fields, { temperature: 14.5, humidity: 60.5, battery: 85 });
  // Issue 11: the temperature byte is unsigned; 0x85 = 133 → 133 / 2 − 40 = 26.5 °C (was −101.5 as pvvx)
  const warm = pvvxEncrypt(key, mac, 8, Buffer.from('857964', 'hex'));
  const w = ok(decodeAdvert({ mac, rssi: 0, serviceData: [{ uuid: '181a', data: warm }] }, { bindkey: key }), 'atc1441');
  assert.deepEqual(w.fields, { temperature: 26.5, humidity: 60.5, battery: 100 });
  assert.deepEqual(decodeAdvert({ mac, rssi: 0, serviceData: [{ uuid: '181a', data: warm }] }, {}), { fmt: 'atc1441', error: 'no_key' });
  const wrong = Buffer.from(key);
  wrong[3] ^= 4;
  assert.deepEqual(decodeAdvert({ mac, rssi: 0, serviceData: [{ uuid: '181a', data: custom }] }, { bindkey: wrong }), { fmt: 'pvvx', error: 'auth_failed' });
  assert.deepEqual(decodeAdvert({ mac, rssi: 0, serviceData: [{ uuid: '181a', data: custom }] }, {}), { fmt: 'pvvx', error: 'no_key' });
  assert.equal(decodeAdvert(svcAdvert('181a', '0011'), {}), undefined);
});

test('qingping: temperature/humidity, battery, pressure, particulates, co2; unknown objects skipped', () => {
  // flags 0x88 | device 0x16 | MAC reversed | 0x01 len 4: 23.4 °C 45.6 % | 0x02 len 1: 87 % |
  // 0x0f len 1 (skipped) | 0x07 len 2: 1013.2 hPa | 0x12 len 4: pm2.5 12, pm10 20 | 0x13 len 2: co2 612
  const hex = '8816' + 'aabbccddeeff' + '0104ea00c801' + '020157' + '0f0101' + '07029427' + '12040c001400' + '13026402';
  const r = ok(decodeAdvert(svcAdvert('fdcd', hex), {}), 'qingping');
  assert.deepEqual(r.fields, { temperature: 23.4, humidity: 45.6, battery: 87, pressure: 1013.2, pm25: 12, pm10: 20, co2: 612 });
  // Negative temperature, truncated trailing object dropped
  const n = ok(decodeAdvert(svcAdvert('fdcd', '0807' + 'aabbccddeeff' + '0104c4ff2003' + '0201'), {}));
  assert.deepEqual(n.fields, { temperature: -6, humidity: 80 });
  assert.deepEqual(decodeAdvert(svcAdvert('fdcd', '0807aa'), {}), { fmt: 'qingping', error: 'malformed' });
});

test('inkbird IBS-TH1/TH2: recognised by local name, manufacturer data without company id', () => {
  // 0x0499 = 11.77 °C would look like Ruuvi's company id: the name must win
  const a: Advert = { mac: 'aabbccddeeff', rssi: -60, serviceData: [], localName: 'sps', manufacturerData: Buffer.from('9904' + '0514' + '00' + 'a1b2' + '5a' + '08', 'hex') };
  assert.deepEqual(ok(decodeAdvert(a, {}), 'inkbird').fields, { temperature: 11.77, humidity: 51.25, external_probe: false, battery: 90 });
  // IBS-TH2 (temperature only), below zero: 0xfe0c = -5.00 °C
  const b: Advert = { mac: 'aabbccddeeff', rssi: -60, serviceData: [], localName: 'tps', manufacturerData: Buffer.from('0cfe' + '0000' + '00' + '1234' + '40' + '08', 'hex') };
  assert.deepEqual(ok(decodeAdvert(b, {})).fields, { temperature: -5, battery: 64 });
  // Without the name the same bytes are not Inkbird
  assert.notEqual(decodeAdvert({ ...a, localName: undefined }, {})?.fmt, 'inkbird');
});

test('registry: dispatch by service UUID, company id and name; first claiming decoder wins', () => {
  // BTHome service data wins over an iBeacon in the same advert (service data is looked at first)
  const a: Advert = {
    mac: 'aabbccddeeff', rssi: -40,
    serviceData: [{ uuid: '1234', data: Buffer.from('00', 'hex') }, { uuid: 'fcd2', data: Buffer.from('4057ea', 'hex') }],
    manufacturerData: Buffer.from('4c000215426c7565436861726d426561636f6e730efe1355c5', 'hex'),
  };
  assert.equal(ok(decodeAdvert(a, {})).fmt, 'bthome');
  assert.equal(ok(decodeAdvert({ ...a, serviceData: [] }, {})).fmt, 'ibeacon');
  // Apple continuity frames and unknown companies are not claimed
  assert.equal(decodeAdvert(mfgAdvert('4c001005011c0f0f0f'), {}), undefined);
  assert.equal(decodeAdvert(mfgAdvert('ffff0102'), {}), undefined);
  assert.equal(decodeAdvert({ mac: '', rssi: 0, serviceData: [] }, {}), undefined);
  // Name dispatch
  const byName = new DecoderIndex([{
    fmt: 'named', localNames: ['Thermo1'], matches: () => true,
    decode: () => ({ fmt: 'named', fields: { x: 1 }, payload: Buffer.alloc(0) }),
  }]);
  assert.equal(byName.decode({ mac: '', rssi: 0, serviceData: [], localName: 'Thermo1' }, {})?.fmt, 'named');
  assert.equal(byName.decode({ mac: '', rssi: 0, serviceData: [], localName: 'Thermo2' }, {}), undefined);
});

test('registry: every decoder declares at least one dispatch key and a unique fmt', () => {
  const fmts = new Set<string>();
  for (const d of DECODERS) {
    assert.ok((d.serviceUuids?.length ?? 0) + (d.companyIds?.length ?? 0) + (d.localNames?.length ?? 0) + (d.namePrefixes?.length ?? 0) > 0, d.fmt);
    for (const u of d.serviceUuids ?? []) assert.match(u, /^[0-9a-f]{4}$/);
    assert.ok(!fmts.has(d.fmt), d.fmt);
    fmts.add(d.fmt);
  }
});
