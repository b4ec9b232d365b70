import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCayenne } from '../../src/codecs/cayenne';

// myDevices Cayenne LPP documentation examples.
const CASES: Array<[string, Record<string, number>]> = [
  ['03670110056700FF', { temperature_3: 27.2, temperature_5: 25.5 }],
  ['0167FFD7', { temperature_1: -4.1 }],
  ['067104D2FB2E0000', { acceleration_x_6: 1.234, acceleration_y_6: -1.234, acceleration_z_6: 0 }],
  ['018806765FF2960A0003E8', { latitude_1: 42.3519, longitude_1: -87.9094, altitude_1: 10 }],
];

test('Cayenne LPP documentation examples decode to exact values', () => {
  for (const [hex, expect] of CASES) assert.deepEqual(decodeCayenne(Buffer.from(hex, 'hex')), { fields: expect }, hex);
});

test('reference and extension types: names, units and scaling', () => {
  const hex = [
    '0000' + '01', // digital in
    '0101' + '00', // digital out
    '0202' + 'fe0c', // analog in -5.00
    '0303' + '0136', // analog out 3.10
    '0465' + '0190', // illuminance 400 lx
    '0566' + '01', // presence
    '0668' + '61', // humidity 48.5 %RH
    '0773' + '2749', // barometer 1005.7 hPa
    '0874' + '0136', // voltage 3.1 V
    '0975' + '04d2', // current 1.234 A
    '0a76' + '00000064', // frequency 100 Hz
    '0b78' + '64', // percentage
    '0c79' + 'fff6', // altitude -10 m
    '0d7d' + '01a4', // concentration 420 ppm
    '0e80' + '0bb8', // power 3000 W
    '0f82' + '00003039', // distance 12.345 m
    '1083' + '000004d2', // energy 1.234 kWh
    '1184' + '010e', // direction 270
    '1285' + '65000000', // unix time
    '1386' + '0064ff9c0000', // gyro 1, -1, 0 deg/s
    '1487' + 'ff8000', // colour
    '158e' + '01', // switch
    '1664' + '000000ff', // generic
  ].join('');
  const r = decodeCayenne(Buffer.from(hex, 'hex'));
  assert.equal(r.error, undefined);
  assert.deepEqual(r.fields, {
    digital_in_0: 1, digital_out_1: 0, analog_in_2: -5, analog_out_3: 3.1, illuminance_4: 400, presence_5: 1,
    humidity_6: 48.5, pressure_7: 1005.7, voltage_8: 3.1, current_9: 1.234, frequency_10: 100, percentage_11: 100,
    altitude_12: -10, concentration_13: 420, power_14: 3000, distance_15: 12.345, energy_16: 1.234, direction_17: 270,
    time_18: 0x65000000, gyro_x_19: 1, gyro_y_19: -1, gyro_z_19: 0, color_r_20: 255, color_g_20: 128, color_b_20: 0,
    switch_21: true, generic_22: 255,
  });
});

test('truncated and unknown types give an error, never a throw', () => {
  for (const hex of ['03', '0367', '036701', '018806765FF2960A0003', '03ee0000', '0167ffd703']) {
    const r = decodeCayenne(Buffer.from(hex, 'hex'));
    assert.equal(typeof r.error, 'string', hex);
    assert.equal(r.fields, undefined);
  }
  assert.deepEqual(decodeCayenne(Buffer.alloc(0)), { fields: {} });
});

test('random payloads never throw', () => {
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  let decoded = 0;
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.alloc(i % 40);
    for (let j = 0; j < b.length; j++) b[j] = j % 2 === 1 && rnd() < 200 ? [103, 104, 113, 136, 2][rnd() % 5] : rnd();
    const r = decodeCayenne(b);
    assert.ok(r.fields !== undefined || typeof r.error === 'string');
    if (r.fields) decoded++;
  }
  assert.ok(decoded > 0);
});
