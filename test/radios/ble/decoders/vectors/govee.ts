import type { Vector } from './vector';

// Govee: built from the layouts documented at the top of src/radios/ble/decoders/govee.ts (Theengs
// H5xxx definitions, GoveeWatcher). Packed readings were encoded by hand as
// temperature × 10 000 + humidity × 10 (bit 23 for below zero); e.g. 21.6 °C 45.3 % = 216453 = 0x034d85.
const SRC = 'built from the Govee layouts (Theengs H5xxx definitions / GoveeWatcher), packed by hand';
const IBEACON = '4c000215' + '494e54454c4c495f524f434b535f4857' + '0001' + '0002' + 'c5';

export const GOVEE: Vector[] = [
  { model: 'H5075', source: SRC, fmt: 'govee', input: { name: 'GVH5075_1A2B', manufacturerdata: '88ec00' + '034d85' + '5a' + '00' },
    expect: { temperature: 21.6, humidity: 45.3, battery: 90 } },
  // Issue 11: an iBeacon glued after the Govee bytes was `malformed`
  { model: 'H5075', source: SRC + ' (iBeacon appended, as some captures show)', fmt: 'govee',
    input: { name: 'GVH5075_1A2B', manufacturerdata: '88ec00' + '034d85' + '5a' + '00' + IBEACON },
    expect: { temperature: 21.6, humidity: 45.3, battery: 90 } },
  // No name: the 6-byte body says H5072/H5075; 0x8188c3: bit 23 set, 100547 → −10.0 °C, 54.7 %
  { model: 'H5072', source: SRC, fmt: 'govee', input: { manufacturerdata: '88ec00' + '8188c3' + '3c' + '00' },
    expect: { temperature: -10, humidity: 54.7, battery: 60 } },
  // No name, two bytes more than the 6-byte layout: still H5072/H5075 (21.6 °C, 45.3 %, 90 %)
  { model: 'H5075', source: SRC + ' (two trailing bytes)', fmt: 'govee', input: { manufacturerdata: '88ec00' + '034d85' + '5a' + '00' + '0101' },
    expect: { temperature: 21.6, humidity: 45.3, battery: 90 } },
  // H5074: 0x08fc = 2300 → 23.00 °C | 0x1388 = 5000 → 50.00 % | 100 %
  { model: 'H5074', source: SRC, fmt: 'govee', input: { name: 'Govee_H5074_5C4B', manufacturerdata: '88ec00' + 'fc08' + '8813' + '64' + '02' },
    expect: { temperature: 23, humidity: 50, battery: 100 } },
  // Issue 11: H5051's 9-byte body was `malformed`: 0x06d2 = 1746 → 17.46 °C | 0x190a = 6410 → 64.10 % | 80 %
  { model: 'H5051', source: SRC, fmt: 'govee', input: { name: 'Govee_H5051_0A1B', manufacturerdata: '88ec00' + 'd206' + '0a19' + '50' + '000000' },
    expect: { temperature: 17.46, humidity: 64.1, battery: 80 } },
  { model: 'H5052', source: SRC, fmt: 'govee', input: { name: 'Govee_H5052_0A1C', manufacturerdata: '88ec00' + '3cf6' + 'b80b' + '41' + '000000' },
    expect: { temperature: -25.0, humidity: 30, battery: 65 } }, // 0xf63c = −2500, 0x0bb8 = 3000
  { model: 'H5071', source: SRC, fmt: 'govee', input: { name: 'Govee_H5071_0A1D', manufacturerdata: '88ec00' + '0000' + '1027' + '64' + '000000' },
    expect: { temperature: 0, humidity: 100, battery: 100 } }, // 0x2710 = 10000
  { model: 'H5101', source: SRC, fmt: 'govee', input: { name: 'GVH5101_8F2A', manufacturerdata: '0100' + '0101' + '030779' + '5f' },
    expect: { temperature: 19.8, humidity: 52.1, battery: 95 } },
  { model: 'H5102', source: SRC, fmt: 'govee', input: { name: 'GVH5102_1234', manufacturerdata: '0100' + '0101' + '808c28' + '32' },
    expect: { temperature: -3.5, humidity: 88, battery: 50 } },
  // H5100 sends two more bytes (8-byte body)
  { model: 'H5100', source: SRC, fmt: 'govee', input: { name: 'GVH5100_77AA', manufacturerdata: '0100' + '0101' + '02d124' + '46' + '0000' },
    expect: { temperature: 18.4, humidity: 61.2, battery: 70 } },
  { model: 'H5104', source: SRC, fmt: 'govee', input: { name: 'GVH5104_01AB', manufacturerdata: '0100' + '0101' + '03ce2b' + '64' },
    expect: { temperature: 24.9, humidity: 38.7, battery: 100 } },
  { model: 'H5105', source: SRC, fmt: 'govee', input: { name: 'GVH5105_01AC', manufacturerdata: '0100' + '0101' + '03fcd5' + '1e' },
    expect: { temperature: 26.1, humidity: 33.3, battery: 30 } },
  { model: 'H5174', source: SRC, fmt: 'govee', input: { name: 'GVH5174_01AD', manufacturerdata: '0100' + '0101' + '81f3ab' + '55' },
    expect: { temperature: -12.7, humidity: 91.5, battery: 85 } },
  // battery byte 0xe4: bit 7 is the error flag, 0x64 = 100 %
  { model: 'H5177', source: SRC, fmt: 'govee', input: { name: 'GVH5177_01AE', manufacturerdata: '0100' + '0101' + '024be4' + 'e4' },
    expect: { temperature: 15, humidity: 50, battery: 100 } },
  // Issue 11: H5108 / H5110 / H5112 were unknown
  { model: 'H5108', source: SRC, fmt: 'govee', input: { name: 'GVH5108_01AF', manufacturerdata: '0100' + '0101' + '042c24' + '5a' },
    expect: { temperature: 27.3, humidity: 44.4, battery: 90 } },
  // Newer H5108 firmware names itself `GV5108` + MAC digits (no `H`): was unknown_format.
  // 0x03c1b4 = 246196 → 24.6 °C, 19.6 % | 0x5a = 90 %
  { model: 'H5108', source: SRC + ' (GV5108… local name, as real captures show)', fmt: 'govee',
    input: { name: 'GV51083C4D', manufacturerdata: '0100' + '0101' + '03c1b4' + '5a' + '0000' },
    expect: { temperature: 24.6, humidity: 19.6, battery: 90 } },
  // govee-ble's H5108 capture puts the iBeacon after an 8-byte body (offset 8, not 6/7/9): was malformed
  { model: 'H5108', source: SRC + ' (iBeacon after the 8-byte body, as in a govee-ble capture)', fmt: 'govee',
    input: { name: 'GV51080C25', manufacturerdata: '0100' + '0101' + '03c1b4' + '5a' + '0000' + IBEACON },
    expect: { temperature: 24.6, humidity: 19.6, battery: 90 } },
  // A truncated name ('G', govee-ble's no-name capture) with the 8-byte body: the H51xx layout; was unknown
  { model: 'H5108', source: SRC + ' (no model in the name)', fmt: 'govee',
    input: { name: 'G', manufacturerdata: '0100' + '0101' + '03c1b4' + '5a' + '0000' },
    expect: { temperature: 24.6, humidity: 19.6, battery: 90 } },
  // H5140 CO2 monitor (govee-ble layout): packed 0x034d85 → 21.6 °C, 45.3 % | CO2 0x0320 = 800 ppm BE |
  // status 0. Before: byte 5 was read as a battery (3 %) and no CO2.
  { model: 'H5140', source: 'built from the govee-ble H5140 layout', fmt: 'govee',
    input: { name: 'GV5140303A', manufacturerdata: '0100' + '0101' + '034d85' + '0320' + '00' },
    expect: { temperature: 21.6, humidity: 45.3, co2: 800, battery: null } },
  { model: 'H5140', source: 'built from the govee-ble H5140 layout (status byte 1 = sensor error)', fmt: 'govee',
    input: { name: 'GV5140303A', manufacturerdata: '0100' + '0101' + '034d85' + '0320' + '01' },
    expect: { error: 'malformed' } },
  { model: 'H5110', source: SRC, fmt: 'govee', input: { name: 'GVH5110_01B0', manufacturerdata: '0100' + '0101' + '03655b' + '5a' + '0000' },
    expect: { temperature: 22.2, humidity: 55.5, battery: 90 } },
  { model: 'H5112', source: SRC + ' (probe byte 0x82 = second probe)', fmt: 'govee',
    input: { name: 'GVH5112_01B1', manufacturerdata: '0100' + '0101' + '00d930' + '64' + '00' + '82' },
    expect: { temperature_2: 5.5, humidity_2: 60, battery: 100 } },
  { model: 'H5178', source: SRC + ' (sensor byte 1 = remote sensor)', fmt: 'govee',
    input: { name: 'B5178_01B2', manufacturerdata: '0100' + '0101' + '01' + '80319f' + '4b' + '0000' },
    expect: { temperature_2: -1.2, humidity_2: 70.3, battery_2: 75 } },
  // H5106: 0x0d510ae4 = 223415012 → 22.3 °C, 41.5 %, pm2.5 12
  { model: 'H5106', source: SRC, fmt: 'govee', input: { name: 'GVH5106_ABCD', manufacturerdata: '0100' + '0101' + '0d510ae4' },
    expect: { temperature: 22.3, humidity: 41.5, pm25: 12 } },
  // H5179: 0x087a = 2170 → 21.70 °C | 0x131c = 4892 → 48.92 % | 90 %
  { model: 'H5179', source: SRC, fmt: 'govee', input: { name: 'Govee_H5179_1122', manufacturerdata: '0188' + 'ec000101' + '7a08' + '1c13' + '5a' },
    expect: { temperature: 21.7, humidity: 48.92, battery: 90 } },
  // H5055 (Theengs H5055 layout): battery 0x4b = 75 | pair 0 | probe 1 0x0017 = 23 °C, probe 2 absent
  { model: 'H5055', source: 'built from the Theengs H5055 definition', fmt: 'govee',
    input: { name: 'GVH5055_3344', manufacturerdata: 'cf04' + '0000' + '4b' + '00' + '06' + '1700' + '0000000000' + 'ffff' + '000000000000' },
    expect: { battery: 75, temperature: 23 } },
  // Pair bits are bits 6-7 of byte 5 (the Theengs definition tests bits 3 and 2 of hex digit 10,
  // the high digit of byte 5): 0x40 → probes 3 and 4 | battery 0x50 = 80 | 0x0020 = 32 °C | 0x002d = 45 °C.
  // Failed before: bits 2-3 were read, giving probes 1 and 2.
  { model: 'H5055', source: 'built from the Theengs H5055 definition (pair select bits)', fmt: 'govee',
    input: { name: 'GVH5055_3344', manufacturerdata: 'cf04' + '0000' + '50' + '40' + '06' + '2000' + '0000000000' + '2d00' + '000000000000' },
    expect: { battery: 80, temperature_3: 32, temperature_4: 45, temperature: null } },
  // 0x80 → probes 5 and 6; socket 5 empty (0xffff) | 0x0054 = 84 °C in socket 6
  { model: 'H5055', source: 'built from the Theengs H5055 definition (pair select bits)', fmt: 'govee',
    input: { name: 'GVH5055_3344', manufacturerdata: 'cf04' + '0000' + '53' + '8f' + '06' + 'ffff' + '0000000000' + '5400' + '000000000000' },
    expect: { battery: 83, temperature_6: 84, temperature_5: null } },
  // Pair bits 0b11 name no socket pair (six probes make three pairs): govee-ble's capture with
  // byte 5 = 0xfb is its error case. Was decoded as probes 7 and 8.
  { model: 'H5055', source: 'built from the Theengs H5055 definition (pair 3 does not exist)', fmt: 'govee',
    input: { name: 'GVH5055_3344', manufacturerdata: 'cf04' + '0000' + '64' + 'fb' + '20' + '1a00' + 'ffffffff' + '20' + '1900' + 'ffffffff' + '0000' },
    expect: { error: 'malformed' } },
  // Passive H5055 advert: no name, a varying first word (0xaf2f here) instead of a company id. Its shape
  // says H5055: 22 bytes, probe markers 0x20 at 6 and 13, 00 00 at the end. Battery 0x64 = 100 |
  // pair bits 0x40 → probes 3-4 | 0x001a = 26 °C | 0x0019 = 25 °C. Was unknown_format.
  { model: 'H5055', source: 'built from the Theengs H5055 definition (nameless passive advert)', fmt: 'govee',
    input: { manufacturerdata: '2faf' + '0000' + '64' + '40' + '20' + '1a00' + 'ffffffff' + '20' + '1900' + 'ffffffff' + '0000' },
    expect: { battery: 100, temperature_3: 26, temperature_4: 25 } },
  // H5183 meat thermometer (company 0x67dd): probe 0x0a28 = 2600 → 26.00 °C
  { model: 'H5183', source: SRC, fmt: 'govee', input: { name: 'GVH5183_5566', manufacturerdata: 'dd67' + '0101000000000000' + '0a28' + '1f40' + '0000' },
    expect: { temperature: 26 } },
  // H5184 (company 0x1b36): byte 6 = 1 → probes 3 and 4 | 0x0898 = 22.00 °C at 8 | 0xffff (no probe) at 12
  { model: 'H5184', source: SRC, fmt: 'govee', input: { name: 'GVH5184_7788', manufacturerdata: '361b' + '010100000000' + '01' + '00' + '0898' + '0000' + 'ffff' + '0000' + '00' },
    expect: { temperature_3: 22 } },
  // H5191 (company 0xac63): probe 0x1770 = 60.00 °C | alarm | ambient 0x0a8c = 27.00 °C
  { model: 'H5191', source: SRC, fmt: 'govee', input: { name: 'GVH5191_99AA', manufacturerdata: '63ac' + '0101000000000000' + '1770' + '1f40' + '0a8c' + '000000000000' },
    expect: { temperature: 60, ambient_temperature: 27 } },
];
