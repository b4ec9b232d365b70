import type { Vector } from './vector';

// SwitchBot: built from the SwitchBotAPI-BLE broadcast layouts (OpenWonderLabs) as documented at
// the top of src/radios/ble/decoders/switchbot.ts. Byte values chosen; expected values by hand.
const SRC = 'built from the OpenWonderLabs SwitchBotAPI-BLE broadcast message layout';
const MAC = 'aabbccddeeff';

export const SWITCHBOT: Vector[] = [
  // 'T' | status | 0x64 = 100 % | decimal 5 | 0x97 = 0x80|23 = +23 | humidity 0x33 = 51 → 23.5 °C
  { model: 'THX1/W230150X', source: SRC, fmt: 'switchbot', input: { servicedata: '540064059733', servicedatauuid: '0x0d00' },
    expect: { temperature: 23.5, humidity: 51, battery: 100 } },
  // The same Meter with its letter in the other case ('t' = 0x74; bit 5 is not part of the type)
  { model: 'THX1/W230150X', source: SRC, fmt: 'switchbot', input: { servicedata: '740064059733', servicedatauuid: '0xfd3d' },
    expect: { temperature: 23.5, humidity: 51, battery: 100 } },
  // Meter Plus, newer firmware: service data AND manufacturer data; the manufacturer reading wins:
  // body offset 8: decimal 8 | 0x99 = +25 | 0x3c = 60 % → 25.8 °C
  { model: 'W2301500 (Meter Plus)', source: SRC, fmt: 'switchbot',
    input: { servicedata: '6900e4059733', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '0a00' + '08993c' + '00' },
    expect: { temperature: 25.8, humidity: 60, battery: 100 } },
  // Outdoor meter 'w': service data has type|status|battery only; 0x05 without bit 7 = −5, decimal 3 → −5.3 °C, 0x50 = 80 %
  { model: 'W3400010 (Outdoor Meter)', source: SRC, fmt: 'switchbot',
    input: { servicedata: '770064', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '0500' + '030550' + '00' },
    expect: { temperature: -5.3, humidity: 80, battery: 100 } },
  // Meter Pro CO2 '5': body 8..10 = 02 96 2d → 22.2 °C 45 %; body 13..14 = 0x0384 = 900 ppm
  { model: 'W4900010 (Meter Pro CO2)', source: SRC, fmt: 'switchbot',
    input: { servicedata: '350064', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '0100' + '02962d' + '0000' + '0384' + '00' },
    expect: { temperature: 22.2, humidity: 45, co2: 900, battery: 100 } },
  // Hub 2 'v': body 12 = 0x0f light level 15; body 13..15 = 04 98 32 → 24.4 °C, 50 %
  { model: 'W3202100 (Hub 2)', source: SRC, fmt: 'switchbot',
    input: { servicedata: '760000', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '01' + '0000000000' + '0f' + '049832' },
    expect: { temperature: 24.4, humidity: 50, light_level: 15 } },
  // Contact 'd': byte 1 bit 6 clear: no motion | battery 0x5a = 90 | byte 3 = 0x02: open, dark | byte 8 low nibble: 3 presses
  { model: 'W120150X (Contact)', source: SRC, fmt: 'switchbot', input: { servicedata: '64005a020000000003', servicedatauuid: '0xfd3d' },
    expect: { battery: 90, opening: true, motion: false, light: false, button_count: 3 } },
  // Contact, newer firmware: manufacturer body 7 = 0xc0 motion + light, closed | body 12 = 0x05 presses
  { model: 'W120150X (Contact)', source: SRC + ' (manufacturer-data state byte)', fmt: 'switchbot',
    input: { servicedata: '64405a020000000003', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '01' + 'c0' + '0000000005' },
    expect: { battery: 90, opening: false, motion: true, light: true, button_count: 5 } },
  // Passive Contact: 13-byte manufacturer data only (the length only the Contact uses); 0x10 = open
  { model: 'W120150X (Contact)', source: SRC + ' (passive scan)', fmt: 'switchbot',
    input: { manufacturerdata: '6909' + MAC + '01' + '10' + '0000000002' },
    expect: { opening: true, motion: false, light: false, button_count: 2 } },
  // Passive Meter (11 bytes): body 8..10 = 06 98 35 → 24.6 °C, 53 %
  { model: 'THX1/W230150X', source: SRC + ' (passive scan)', fmt: 'switchbot',
    input: { manufacturerdata: '6909' + MAC + 'de03' + '069835' },
    expect: { temperature: 24.6, humidity: 53 } },
  // Motion 's': byte 1 bit 6 motion | battery 0x5f = 95 | byte 5 bit 1: light
  { model: 'W110150X (Motion)', source: SRC, fmt: 'switchbot', input: { servicedata: '73405f000002', servicedatauuid: '0xfd3d' },
    expect: { motion: true, battery: 95, light: true } },
  // Bot 'H': byte 1 = 0x80 switch mode, bit 6 clear = on | battery 0x55 = 85
  { model: 'W070160X (Bot)', source: SRC, fmt: 'switchbot', input: { servicedata: '488055', servicedatauuid: '0x0d00' },
    expect: { battery: 85, mode: 'switch', power_on: true } },
  // Curtain 'c': battery 0x50 = 80 | byte 3 = 0x1e: 30 % closed → position 70, not moving | byte 4 high nibble 2
  { model: 'W070160X (Curtain)', source: SRC, fmt: 'switchbot', input: { servicedata: '6340501e21', servicedatauuid: '0xfd3d' },
    expect: { battery: 80, position: 70, moving: false, light_level: 2 } },
  // Curtain 3 '{': manufacturer body 8 = 0x85: moving, 5 % closed → 95 | body 9 = 0x40 light 4 | body 12 battery 0x3c = 60
  { model: 'W070160X (Curtain 3)', source: SRC, fmt: 'switchbot',
    input: { servicedata: '7b4050', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '01' + '00' + '8540' + '00' + '00' + '3c' },
    expect: { battery: 60, position: 95, moving: true, light_level: 4 } },
  // Water Leak Detector '&': manufacturer body 7 = 0x55 (85 %) | body 8 = 0x01 leak
  { model: 'W4402000 (Leak Detector)', source: SRC, fmt: 'switchbot',
    input: { servicedata: '260055', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '01' + '55' + '01' },
    expect: { moisture_detected: true, tamper: false, battery: 85, battery_low: false } },
  // Blind Tilt 'x': battery 0x46 = 70 | byte 3 = 0xb2: moving, tilt 50 | light level 3
  { model: 'W270160X (Blind Tilt)', source: SRC, fmt: 'switchbot', input: { servicedata: '784046b230', servicedatauuid: '0xfd3d' },
    expect: { battery: 70, tilt: 50, moving: true, light_level: 3 } },
  // Plug Mini 'g': body 7 = 0x80 on | body 10..11 = 0x007b = 123 → 12.3 W
  { model: 'W1901400 (Plug Mini)', source: SRC, fmt: 'switchbot',
    input: { servicedata: '670000', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '01' + '80' + '00' + '38' + '007b' },
    expect: { power_on: true, power: 12.3 } },
  // Passive scan, meter: manufacturer data only; body 8..10 = 07 94 37 → 20.7 °C, 55 %
  { model: 'THX1/W230150X', source: SRC + ' (passive scan, manufacturer data only)', fmt: 'switchbot',
    input: { manufacturerdata: '6909' + MAC + '0200' + '079437' + '00' },
    expect: { temperature: 20.7, humidity: 55 } },
  // Passive scan, Plug Mini enrolled with `pair --model plug_mini`: off, 0 W
  { model: 'W1901400 (Plug Mini)', source: SRC + ' (passive scan, model from pair --model)', fmt: 'switchbot', ctx: { model: 'plug_mini' },
    input: { manufacturerdata: '6909' + MAC + '01' + '00' + '00' + '40' + '0000' },
    expect: { power_on: false, power: 0 } },
  // Types that were unsupported (pySwitchbot parses them): Lock Pro '$' (0x24) and Keypad 'y' (0x79):
  // battery in service data byte 2 (0x5a = 90 %, 0x4b = 75 %)
  { model: 'W3500000 (Lock Pro)', source: SRC + ' (type $)', fmt: 'switchbot', input: { servicedata: '24805a', servicedatauuid: '0xfd3d' },
    expect: { battery: 90 } },
  { model: 'W2500010 (Keypad)', source: SRC + ' (type y)', fmt: 'switchbot', input: { servicedata: '79004b', servicedatauuid: '0xfd3d' },
    expect: { battery: 75 } },
  // Relay Switch 1PM '<': manufacturer body byte 7 = 0x80 (on) | power 0x01f4 = 500 → 50.0 W at body 10-11
  { model: 'W5502300 (Relay Switch 1PM)', source: SRC + ' (type <, pySwitchbot relay layout)', fmt: 'switchbot',
    input: { servicedata: '3c000000', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '10' + '80' + '0000' + '01f4' + '0000' + '0000' },
    expect: { power_on: true, power: 50 } },
  // Relay Switch 1 ';': byte 7 = 0x00 → off, no power meter
  { model: 'W5502310 (Relay Switch 1)', source: SRC + ' (type ;, pySwitchbot relay layout)', fmt: 'switchbot',
    input: { servicedata: '3b000000', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '11' + '00' + '00000000' },
    expect: { power_on: false, power: null } },
  // Hub Mini Matter '%': thermo reading at manufacturer body 13: 0x07 → .7 | 0x96 → +22 | 0x2d = 45 %
  { model: 'W0702400 (Hub Mini Matter)', source: SRC + ' (type %, pySwitchbot layout)', fmt: 'switchbot',
    input: { servicedata: '2500', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '00' + '0000000000' + '14' + '07962d' + '00' },
    expect: { temperature: 22.7, humidity: 45 } },
  // Roller Shade ',': battery 0x50 = 80 % | body 8 = 0x9e: 30 % closed → position 70 | body 9 0x31 → light level 3
  { model: 'W5000000 (Roller Shade)', source: SRC + ' (type ,, pySwitchbot layout)', fmt: 'switchbot',
    input: { servicedata: '2c0050', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '05' + '08' + '9e' + '31' + '04' + '50' + '00' },
    expect: { battery: 80, position: 70, light_level: 3 } },
  // Vacuums: the battery is in the manufacturer body (K10+ at 8, S10 at 12); their service data byte 2 is 0
  { model: 'K10+ (vacuum)', source: SRC + ' (type }, pySwitchbot layout)', fmt: 'switchbot',
    input: { servicedata: '7d00', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '02' + '20' + '3c' },
    expect: { battery: 60 } },
  { model: 'S10 (vacuum)', source: SRC + ' (type z, pySwitchbot layout)', fmt: 'switchbot',
    input: { servicedata: '7a0000', servicedatauuid: '0xfd3d', manufacturerdata: '6909' + MAC + '0a' + '0111050010' + '2a' + '02' },
    expect: { battery: 42 } },
  // Circulator Fan '~' passive, enrolled with its model: battery 0x41 = 65 % at body 8
  { model: 'Circulator Fan', source: SRC + ' (type ~, passive, pySwitchbot layout)', fmt: 'switchbot', ctx: { model: 'circulator_fan' },
    input: { manufacturerdata: '6909' + MAC + '7e' + '4c' + '41' + '39' },
    expect: { battery: 65 } },
];
