import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { isFailure } from '../../../../src/radios/ble/advert';
import type { PartialDecoded } from '../../../../src/radios/ble/decoders/common';
import { BthomeDecoder, parseBthomeObjects } from '../../../../src/radios/ble/decoders/bthome';
import { expectFields, ok, svcAdvert } from './helpers';

// One object per id, bytes built from the bthome.io/format table (id | little-endian value).
// Expected values are the table's factor applied by hand, in lowband units (docs/sensors.md).
const OBJECTS: [string, Record<string, unknown>][] = [
  ['0009', { packet_id: 9 }],
  ['0161', { battery: 97 }],
  ['02ca09', { temperature: 25.06 }],
  ['03bf13', { humidity: 50.55 }],
  ['04138a01', { pressure: 1008.83 }],
  ['05138a14', { illuminance: 13460.67 }],
  ['065e1f', { mass: 80.3 }],
  ['073e1d', { mass: 33.956 }], // 74.86 lb
  ['08ca06', { dewpoint: 17.38 }],
  ['0960', { count: 96 }],
  ['0a138a14', { energy: 1346.067 }],
  ['0b021b00', { power: 69.14 }],
  ['0c020c', { voltage: 3.074 }],
  ['0d120c', { pm25: 3090 }],
  ['0e021c', { pm10: 7170 }],
  ['0f01', { generic: true }],
  ['1001', { power_on: true }],
  ['1100', { opening: false }],
  ['12e204', { co2: 1250 }],
  ['133301', { tvoc: 307 }],
  ['14020c', { moisture: 30.74 }],
  ['1501', { battery_low: true }],
  ['1601', { battery_charging: true }],
  ['1701', { carbon_monoxide: true }],
  ['1801', { cold: true }],
  ['1901', { connectivity: true }],
  ['1a01', { door: true }],
  ['1b01', { garage_door: true }],
  ['1c01', { gas_detected: true }],
  ['1d01', { heat: true }],
  ['1e01', { light: true }],
  ['1f01', { unlocked: true }],
  ['2001', { moisture_detected: true }],
  ['2101', { motion: true }],
  ['2201', { moving: true }],
  ['2301', { occupancy: true }],
  ['2401', { plug: true }],
  ['2501', { presence: true }],
  ['2601', { problem: true }],
  ['2701', { running: true }],
  ['2801', { unsafe: true }],
  ['2901', { smoke: true }],
  ['2a01', { sound: true }],
  ['2b01', { tamper: true }],
  ['2c01', { vibration: true }],
  ['2d00', { window: false }],
  ['2e23', { humidity: 35 }],
  ['2f23', { moisture: 35 }],
  ['3a01', { button: 'press' }],
  ['3c0103', { dimmer: 'rotate_left', dimmer_steps: 3 }],
  ['3d0960', { count: 24585 }],
  ['3e2a2c0960', { count: 1611213866 }],
  ['3f020c', { rotation: 307.4 }],
  ['400c00', { distance: 0.012 }],
  ['414e00', { distance: 7.8 }],
  ['424e3400', { duration: 13.39 }],
  ['434e34', { current: 13.39 }],
  ['444e34', { speed: 133.9 }],
  ['451101', { temperature: 27.3 }],
  ['4632', { uv_index: 5 }],
  ['478756', { volume: 2215.1 }],
  ['48dc87', { volume: 34.78 }],
  ['49dc87', { flow_rate: 34.78 }],
  ['4a020c', { voltage: 307.4 }],
  ['4b138a14', { gas: 1346.067 }],
  ['4c41018a01', { gas: 25821.505 }],
  ['4d12138a14', { energy: 344593.17 }],
  ['4e87562a01', { volume: 19551.879 }],
  ['4f87562a01', { water: 19551.879 }],
  ['505d396164', { timestamp: 1684093277 }],
  ['518756', { acceleration: 22.151 }],
  ['528756', { gyroscope: 22.151 }],
  ['530c48656c6c6f20576f726c6421', { text: 'Hello World!' }],
  ['540c48656c6c6f20576f726c6421', { raw: '48656c6c6f20576f726c6421' }],
  ['5587562a01', { volume_storage: 19551.879 }],
  ['56dc87', { conductivity: 34780 }],
  ['57ea', { temperature: -22 }],
  ['58ea', { temperature: -7.7 }],
  ['59ea', { count: -22 }],
  ['5aeafe', { count: -278 }],
  ['5beafeffff', { count: -278 }],
  ['5c02fbffff', { power: -12.78 }],
  ['5d02fb', { current: -1.278 }],
  ['5e1f8c', { direction: 358.71 }],
  ['5ff501', { precipitation: 50.1 }],
  ['6001', { channel: 1 }],
  ['61e803', { rotational_speed: 1000 }],
  ['62a01ce9ff', { speed: -1.5 }],
  ['63a01ce9ff', { acceleration: -1.5 }],
  ['6405', { light_level: 5 }],
  ['f00100', { device_type: 1 }],
  ['f100010204', { firmware: '4.2.1.0' }],
  ['f2000106', { firmware: '6.1.0' }],
];

test('bthome: every object id of the format decodes alone, to the expected name and value', () => {
  const seen = new Set<number>();
  for (const [hex, expect] of OBJECTS) {
    const r = ok(BthomeDecoder.decode(svcAdvert('fcd2', '40' + hex), {}), 'bthome');
    assert.deepEqual(Object.keys(r.fields).sort(), Object.keys(expect).sort(), hex);
    expectFields(r.fields, expect);
    assert.equal((r as PartialDecoded).warning, undefined, hex);
    seen.add(parseInt(hex.slice(0, 2), 16));
  }
  // 0x00-0x2f, 0x3a, 0x3c-0x64, 0xf0-0xf2
  assert.equal(seen.size, 0x30 + 1 + (0x64 - 0x3c + 1) + 3);
});

test('bthome: all objects concatenated in one payload decode in order, repeats get _2, _3 ...', () => {
  const all = OBJECTS.map(([h]) => h).join('');
  const objs = parseBthomeObjects(Buffer.from(all, 'hex'), 0);
  assert.equal(objs.warning, undefined);
  assert.equal(objs.fields.temperature, 25.06);
  assert.equal(objs.fields.temperature_2, 27.3);
  assert.equal(objs.fields.temperature_3, -22);
  assert.equal(objs.fields.temperature_4, -7.7);
  assert.equal(objs.fields.count_6, -278);
  assert.equal(objs.fields.firmware_2, '6.1.0');
  assert.equal(objs.packetId, 9);
});

test('bthome: repeated objects of one type (multi-sensor device) → temperature, temperature_2', () => {
  const r = ok(BthomeDecoder.decode(svcAdvert('fcd2', '4002ca0902c4ff'), {}));
  assert.deepEqual(r.fields, { temperature: 25.06, temperature_2: -0.6 });
});

test('bthome: button events of a multi-button device keep positions; dimmer steps pair with their dimmer', () => {
  const r = ok(BthomeDecoder.decode(svcAdvert('fcd2', '403a003a043a803c02053c0000'), {}));
  assert.deepEqual(r.fields, {
    button: 'none', button_2: 'long_press', button_3: 'hold_press',
    dimmer: 'rotate_right', dimmer_steps: 5, dimmer_2: 'none', dimmer_steps_2: 0,
  });
});

test('bthome: unknown object id stops cleanly, keeping earlier fields and naming the id', () => {
  const r = BthomeDecoder.decode(svcAdvert('fcd2', '4002ca09300102'), {}) as PartialDecoded;
  assert.ok(!isFailure(r));
  assert.deepEqual(r.fields, { temperature: 25.06 });
  assert.equal(r.warning, 'unknown_object_0x30');
});

test('bthome: an unknown id first, or a truncated only object → malformed', () => {
  assert.deepEqual(BthomeDecoder.decode(svcAdvert('fcd2', '40300102'), {}), { fmt: 'bthome', error: 'malformed' });
  assert.deepEqual(BthomeDecoder.decode(svcAdvert('fcd2', '4002ca'), {}), { fmt: 'bthome', error: 'malformed' });
  assert.deepEqual(BthomeDecoder.decode(svcAdvert('fcd2', '40530548'), {}), { fmt: 'bthome', error: 'malformed' });
  const r = BthomeDecoder.decode(svcAdvert('fcd2', '400101' + '0c02'), {}) as PartialDecoded;
  assert.deepEqual(r.fields, { battery: 1 });
  assert.equal(r.warning, 'truncated_object_0x0c');
});

test('bthome: a devinfo byte only → empty reading; other versions are refused', () => {
  assert.deepEqual(ok(BthomeDecoder.decode(svcAdvert('fcd2', '40'), {})).fields, {});
  assert.deepEqual(BthomeDecoder.decode(svcAdvert('fcd2', '2002ca09'), {}), { fmt: 'bthome', error: 'unsupported_version' });
  assert.deepEqual(BthomeDecoder.decode(svcAdvert('fcd2', ''), {}), { fmt: 'bthome', error: 'malformed' });
});

test('bthome: trigger-based flag (bit 2) is accepted', () => {
  assert.deepEqual(ok(BthomeDecoder.decode(svcAdvert('fcd2', '442101'), {})).fields, { motion: true });
});

/** Encrypts a BTHome v2 payload as the encryption page describes (for round-trip tests). */
function encrypt(key: Buffer, mac: string, info: number, plain: Buffer, counter: number): Buffer {
  const ctr = Buffer.alloc(4);
  ctr.writeUInt32LE(counter);
  const nonce = Buffer.concat([Buffer.from(mac, 'hex'), Buffer.from([0xd2, 0xfc, info]), ctr]);
  const c = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: 4 });
  const ct = c.update(plain);
  c.final();
  return Buffer.concat([Buffer.from([info]), ct, ctr, c.getAuthTag()]);
}

test('bthome: encrypted round trip with many objects; counter is the encryption counter, not the packet id', () => {
  const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const mac = 'c0ffee123456';
  const data = encrypt(key, mac, 0x41, Buffer.from('0007' + '02ca09' + '03bf13' + '2101', 'hex'), 77);
  const r = ok(BthomeDecoder.decode({ mac, rssi: 0, serviceData: [{ uuid: 'fcd2', data }] }, { bindkey: key, lastCounter: 76 }));
  assert.deepEqual(r.fields, { packet_id: 7, temperature: 25.06, humidity: 50.55, motion: true });
  assert.equal(r.counter, 77);
  assert.equal(r.authenticated, true);
  assert.deepEqual(r.payload, data);
  assert.deepEqual(BthomeDecoder.decode({ mac, rssi: 0, serviceData: [{ uuid: 'fcd2', data }] }, { bindkey: key, lastCounter: 77 }),
    { fmt: 'bthome', error: 'replay' });
});

test('bthome: encrypted frame too short, or bindkey of the wrong size', () => {
  const a = svcAdvert('fcd2', '4111223344aabbccdd');
  assert.deepEqual(BthomeDecoder.decode(a, { bindkey: Buffer.alloc(16) }), { fmt: 'bthome', error: 'malformed' });
  const b = svcAdvert('fcd2', '4187b90011223372b0231f', '5448e68f80a5');
  assert.deepEqual(BthomeDecoder.decode(b, { bindkey: Buffer.alloc(8) }), { fmt: 'bthome', error: 'bad_key' });
});
