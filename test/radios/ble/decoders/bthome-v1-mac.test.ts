import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { decodeBleLine } from '../../../../src/radios/ble/decode-ble';
import { decodeAdvert } from '../../../../src/radios/ble/decoders/registry';
import { ok, svcAdvert } from './helpers';

// Issue 11 bugs: BTHome v1 (service data 0x181c / 0x181e) was `unknown_format`; BTHome v2 with the
// MAC-included flag (device info bit 1) was `malformed` (plain) or `auth_failed` (encrypted).
// Vectors built by hand from bthome.io/v1 and bthome.io/format (see the byte comments).

const KEY = Buffer.from('231d39c1d7cc1ab1aee224cd096db932', 'hex');

test('bthome v1 plain (181c): format<<5|length, id, value; unknown ids skipped by length', () => {
  // 0x23 = signed, 3 bytes: id 0x02 temperature 0x09ca = 2506 → 25.06 °C
  // 0x03 = unsigned, 3 bytes: id 0x03 humidity 0x13bf = 5055 → 50.55 %
  // 0x02 = unsigned, 2 bytes: id 0x01 battery 0x5d = 93 %
  // 0x03 with unknown id 0xee (2 value bytes) is skipped, the next object still decodes
  // 0x45 = float, 5 bytes: id 0x04 pressure float32 101325.0 / 100 → 1013.25 hPa
  const float = Buffer.alloc(4);
  float.writeFloatLE(101325, 0);
  const hex = '2302ca09' + '0303bf13' + '02015d' + '03ee0000' + '4504' + float.toString('hex');
  const out = JSON.parse(decodeBleLine(JSON.stringify({ id: 'A4:C1:38:00:00:01', servicedata: hex, servicedatauuid: '0x181c' })));
  assert.deepEqual(out, { id: 'A4:C1:38:00:00:01', fmt: 'bthome', fields: { temperature: 25.06, humidity: 50.55, battery: 93, pressure: 1013.25 } });
});

test('bthome v1 plain: 2-byte float objects are IEEE half precision (were dropped, fields {})', () => {
  // Built from bthome.io/v1: 0x43 = float, 3 bytes: id 0x06 mass (×0.01 kg); half 0x7000 =
  // 2^(28−15) = 8192 → 81.92 kg.
  assert.deepEqual(ok(decodeAdvert(svcAdvert('181c', '43060070'), {})).fields, { mass: 81.92 });
  // Real capture from bthome-ble's v1 tests (test_bthome_mass_kilograms): half 0x70fe =
  // (1 + 254/1024) × 2^13 = 10224 → 102.24 kg
  assert.deepEqual(ok(decodeAdvert(svcAdvert('181c', '4306fe70'), {})).fields, { mass: 102.24 });
});

test('bthome v1 plain: a truncated last object keeps what came before; nothing decodable → malformed', () => {
  assert.deepEqual(ok(decodeAdvert(svcAdvert('181c', '2302ca090303bf'), {})).fields, { temperature: 25.06 });
  assert.deepEqual(decodeAdvert(svcAdvert('181c', '2302ca'), {}), { fmt: 'bthome', error: 'malformed' });
});

function encryptV1(mac: string, plain: Buffer, counter: number): Buffer {
  const ctr = Buffer.alloc(4);
  ctr.writeUInt32LE(counter, 0);
  const nonce = Buffer.concat([Buffer.from(mac, 'hex'), Buffer.from('1e18', 'hex'), ctr]);
  const c = createCipheriv('aes-128-ccm', KEY, nonce, { authTagLength: 4 });
  c.setAAD(Buffer.from([0x11]), { plaintextLength: plain.length });
  const ct = c.update(plain);
  c.final();
  return Buffer.concat([ct, ctr, c.getAuthTag()]);
}

test('bthome v1 encrypted (181e): decrypts with the bindkey; no key / wrong key / replay refused', () => {
  const mac = '5448e68f80a5';
  const data = encryptV1(mac, Buffer.from('2302ca090303bf13', 'hex'), 0x00112233);
  const a = { mac, rssi: 0, serviceData: [{ uuid: '181e', data }] };
  const r = ok(decodeAdvert(a, { bindkey: KEY }), 'bthome');
  assert.deepEqual(r.fields, { temperature: 25.06, humidity: 50.55 });
  assert.equal(r.counter, 0x00112233);
  assert.equal(r.authenticated, true);
  assert.deepEqual(decodeAdvert(a, {}), { fmt: 'bthome', error: 'no_key' });
  const wrong = Buffer.from(KEY);
  wrong[0] ^= 1;
  assert.deepEqual(decodeAdvert(a, { bindkey: wrong }), { fmt: 'bthome', error: 'auth_failed' });
  assert.deepEqual(decodeAdvert(a, { bindkey: KEY, lastCounter: 0x00112233 }), { fmt: 'bthome', error: 'replay' });
});

test('bthome v2 plain with the MAC-included flag: objects start after the 6 MAC bytes', () => {
  // 0x42 = v2, MAC included | MAC a5808fe64854 reversed | temperature 25.06 | humidity 50.55
  const r = ok(decodeAdvert(svcAdvert('fcd2', '42' + 'a5808fe64854' + '02ca09' + '03bf13'), {}), 'bthome');
  assert.deepEqual(r.fields, { temperature: 25.06, humidity: 50.55 });
  assert.deepEqual(decodeAdvert(svcAdvert('fcd2', '42a5808f'), {}), { fmt: 'bthome', error: 'malformed' });
});

test('bthome v2 encrypted with the MAC-included flag: the MAC in the payload is the nonce MAC', () => {
  const payloadMac = '5448e68f80a5';
  const info = 0x43; // v2, MAC included, encrypted
  const ctr = Buffer.from('00112233', 'hex');
  const nonce = Buffer.concat([Buffer.from(payloadMac, 'hex'), Buffer.from([0xd2, 0xfc, info]), ctr]);
  const c = createCipheriv('aes-128-ccm', KEY, nonce, { authTagLength: 4 });
  const ct = c.update(Buffer.from('02ca0903bf13', 'hex'));
  c.final();
  const data = Buffer.concat([Buffer.from([info]), Buffer.from(payloadMac, 'hex').reverse(), ct, ctr, c.getAuthTag()]);
  // Heard through a relay: the advert's own address differs from the sensor's
  const r = ok(decodeAdvert({ mac: 'aabbccddeeff', rssi: 0, serviceData: [{ uuid: 'fcd2', data }] }, { bindkey: KEY }));
  assert.deepEqual(r.fields, { temperature: 25.06, humidity: 50.55 });
  assert.equal(r.authenticated, true);
  assert.equal(r.counter, 0x33221100);
});
