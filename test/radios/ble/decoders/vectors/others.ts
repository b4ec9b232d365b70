import type { Vector } from './vector';

// Inkbird, SensorPush, ThermoPro, Mopeka, Aranet, Ruuvi, ThermoBeacon, BlueMaestro, BTHome:
// built from the layouts documented at the top of each decoder file (vendor documents and the
// public decoder descriptions named there); the arithmetic is next to each vector.
const MAC = 'a4c138001122'; // the test advert's address, printed order

export const INKBIRD: Vector[] = [
  // 0x0938 = 23.60 °C | 0x1d4c = 75.00 % | probe nibble 0 | crc | 0x50 = 80 %
  { model: 'IBS-TH1', source: 'built from the Theengs IBS_TH1 / IBS_THBP01B layout', fmt: 'inkbird',
    input: { name: 'sps', manufacturerdata: '3809' + '4c1d' + '00' + 'a1b2' + '50' + '08' }, expect: { temperature: 23.6, humidity: 75, external_probe: false, battery: 80 } },
  { model: 'IBS-TH1 (external probe)', source: 'built from the Theengs IBS_THBP01B layout', fmt: 'inkbird',
    input: { name: 'sps', manufacturerdata: '3809' + '4c1d' + '01' + 'a1b2' + '50' + '08' }, expect: { external_probe: true } },
  // 0xfe0c = −500 → −5.00 °C, humidity 0 = none, 0x40 = 64 %
  { model: 'IBS-TH2', source: 'built from the Theengs IBS_TH2 layout', fmt: 'inkbird',
    input: { name: 'tps', manufacturerdata: '0cfe' + '0000' + '00' + '1234' + '40' + '08' }, expect: { temperature: -5, battery: 64 } },
  { model: 'IBS-THBP01B / IBS-P01B', source: 'built from the Theengs IBS_THBP01B layout', fmt: 'inkbird',
    input: { name: 'tps', manufacturerdata: '6c07' + 'ffff' + '00' + '1234' + '5f' + '08' }, expect: { temperature: 19, battery: 95 } }, // 0x076c = 1900
  // iBBQ: 00 00 00 00 | MAC | probe 1 0x00e6 = 23.0 °C | probe 2 0xfff6 (high byte ff: no probe)
  { model: 'IBT-2X', source: 'built from the Theengs IBT_2X layout', fmt: 'inkbird',
    input: { name: 'iBBQ', manufacturerdata: '00000000' + MAC + 'e600' + 'f6ff' }, expect: { temperature: 23, temperature_2: null } },
  // no name: recognised by the MAC in the data; probes 20.0, 30.0, none, 40.0 °C
  { model: 'IBT-4X(S/C)', source: 'built from the Theengs IBT_4XS layout', fmt: 'inkbird',
    input: { manufacturerdata: '00000000' + MAC + 'c800' + '2c01' + 'f6ff' + '9001' }, expect: { temperature: 20, temperature_2: 30, temperature_4: 40 } },
  { model: 'IBT-6XS / SOLIS-6', source: 'built from the Theengs IBT_6XS_SOLIS6 layout', fmt: 'inkbird',
    input: { name: 'iBBQ', manufacturerdata: '00000000' + MAC + '6400' + 'c800' + '2c01' + '9001' + 'f401' + '5802' },
    expect: { temperature: 10, temperature_2: 20, temperature_3: 30, temperature_4: 40, temperature_5: 50, temperature_6: 60 } },
  // 18-byte sensor: temp 0x00e7 = 23.1 °C at 6 | humidity 0x01c2 = 45.0 % at 8 | battery 0x4b = 75 % at 10
  { model: 'ITH-13-B', source: 'built from the inkbird-ble 18-byte sensor layout', fmt: 'inkbird',
    input: { name: 'ITH-13-B', manufacturerdata: '4924' + '00000000' + 'e700' + 'c201' + '4b' + '00000000000000' }, expect: { temperature: 23.1, humidity: 45, battery: 75 } },
  { model: 'IBS-P02B', source: 'built from the inkbird-ble 18-byte sensor layout (humidity 0: none)', fmt: 'inkbird',
    input: { name: 'IBS-P02B', manufacturerdata: '4924' + '00000000' + 'f4ff' + '0000' + '64' + '00000000000000' }, expect: { temperature: -1.2, battery: 100 } },
  // IAM-T2: company 0x3254 | MAC 00:62:… | status 0 (°C) | 0x00f5 = 24.5 °C | 0x01b8 = 44.0 % | 0x0320 = 800 ppm | battery
  { model: 'IAM-T2', source: 'built from the inkbird-ble IAM-T2 layout', fmt: 'inkbird',
    input: { manufacturerdata: '5432' + '0062a1b2c3d4' + '00' + '00' + '00f5' + '01b8' + '0320' + '55' }, expect: { temperature: 24.5, humidity: 44, co2: 800 } },
];

export const SENSORPUSH: Vector[] = [
  // HT1: raw humidity 2000 → −6 + 125·2000/4096 = 55.035 → 55.04 %; raw temperature 6000 →
  // −46.85 + 175.72·6000/16384 = 17.5006 → 17.5 °C; device type 1 in bits 2-6 of byte 3
  { model: 'HT1', source: 'built from the SensorPush HT1 packing (bytes d0 07 77 05)', fmt: 'sensorpush',
    input: { name: 's', manufacturerdata: 'd0077705' }, expect: { temperature: 17.5, humidity: 55.04 } },
  // HT.w (type 65 → byte 0 = 0x04): temp 21.0 → count 24400, humidity 45.5 → count 18200,
  // value = 24400 + 18200 × 66001 = 1201242600 = 0x479981e8 (little-endian)
  { model: 'HT.w', source: 'built from the SensorPush mixed-radix packing', fmt: 'sensorpush',
    input: { name: 'SensorPush HT.w 0CA1', manufacturerdata: '04' + 'e8819947' }, expect: { temperature: 21, humidity: 45.5 } },
  // HTP.xw (type 64 → byte 0 = 0x00): 19.5 °C → 23800, 40 % → 16000, 101325 Pa → 71325;
  // value = 23800 + 16000 × 72001 + 71325 × 72001 × 40001
  { model: 'HTP.xw', source: 'built from the SensorPush mixed-radix packing', fmt: 'sensorpush',
    input: { name: 'SensorPush HTP.xw F4D', manufacturerdata: '00' + '95318744d5ba' }, expect: { temperature: 19.5, humidity: 40, pressure: 1013.25 } },
  // Passive scans get no scan response, so no name: the same HT.w / HTP.xw bytes must be recognised by
  // their measurement page and length alone (both were unknown_format before).
  { model: 'HT.w', source: 'built from the SensorPush mixed-radix packing (nameless, passive scan)', fmt: 'sensorpush',
    input: { manufacturerdata: '04' + 'e8819947' }, expect: { temperature: 21, humidity: 45.5 } },
  { model: 'HTP.xw', source: 'built from the SensorPush mixed-radix packing (nameless, passive scan)', fmt: 'sensorpush',
    input: { name: '', manufacturerdata: '00' + '95318744d5ba' }, expect: { temperature: 19.5, humidity: 40, pressure: 1013.25 } },
  // TC.x (type 66 → byte 0 = 0x08): 22.5 °C → (22.5 + 200) / 0.0625 = 3560 = 0x000de8
  { model: 'TC.x', source: 'built from the SensorPush mixed-radix packing', fmt: 'sensorpush',
    input: { name: 'SensorPush TC.x 77A0', manufacturerdata: '08' + 'e80d00' }, expect: { temperature: 22.5 } },
];

export const THERMOPRO: Vector[] = [
  // temperature i16 LE at bytes 1-2: 0x00e1 = 22.5 °C | humidity 0x2f = 47 %
  { model: 'TP357', source: 'built from the Theengs TP35X layout', fmt: 'thermopro', input: { name: 'TP357 (2B54)', manufacturerdata: 'c2e1002f2c02' },
    expect: { temperature: 22.5, humidity: 47 } },
  { model: 'TP357S', source: 'built from the Theengs TP35X layout', fmt: 'thermopro', input: { name: 'TP357S (2B55)', manufacturerdata: 'c2f0003c2c02' },
    expect: { temperature: 24, humidity: 60 } },
  // 0xffce = −50 → −5.0 °C
  { model: 'TP359', source: 'built from the Theengs TP35X layout', fmt: 'thermopro', input: { name: 'TP359 (0A0B)', manufacturerdata: 'c2ceff5a0000' },
    expect: { temperature: -5, humidity: 90 } },
  { model: 'TP358', source: 'built from the Theengs TP35X layout', fmt: 'thermopro', input: { name: 'TP358 (1122)', manufacturerdata: 'c2d2002d0c02' },
    expect: { temperature: 21, humidity: 45 } },
  { model: 'TP393', source: 'built from the Theengs TP35X layout', fmt: 'thermopro', input: { name: 'TP393 (AB12)', manufacturerdata: 'c2f100370c02' },
    expect: { temperature: 24.1, humidity: 55 } },
];

export const MOPEKA: Vector[] = [
  // hw 0x03 | battery 0x5a = 90 → 2.8125 V → (0.6125 / 0.65) × 100 = 94.2 % | temp 0x3c = 60 → 20 °C |
  // level 1000 with quality 3: e8 c3 → 1000 × (0.573045 − 0.002822·60 − 0.00000535·3600) = 384.465 → 384 mm
  { model: 'M1017 (Pro Check)', source: 'built from the Mopeka Pro advertisement layout', fmt: 'mopeka',
    input: { manufacturerdata: '5900' + '03' + '5a' + '3c' + 'e8c3' + '001122' + 'a0b0' },
    expect: { temperature: 20, voltage: 2.813, battery: 94.2, button: false, tank_level: 384, reading_quality: 3 } },
  // hw 0x08 | 0xa8 = button + 40 → 0 °C | quality 0: no tank level
  { model: 'M1015 (Pro Plus)', source: 'built from the Mopeka Pro advertisement layout', fmt: 'mopeka',
    input: { manufacturerdata: '5900' + '08' + '60' + 'a8' + '1000' + '001122' + '0000' },
    expect: { temperature: 0, button: true, reading_quality: 0, battery: 100, tank_level: null } },
  { model: 'Pro-200', source: 'built from the Mopeka Pro advertisement layout', fmt: 'mopeka',
    input: { manufacturerdata: '5900' + '04' + '50' + '2d' + 'f441' + '001122' + '0000' },
    expect: { temperature: 5, reading_quality: 1, tank_level: 217 } }, // 500 × (0.573045 − 0.12699 − 0.01083375) = 217.6
  // Battery byte 0xf2: bit 7 is reserved (mopeka-iot-ble's "battery reserved bit" case, Theengs masks
  // it with & 127) → 0x72 = 114 / 32 = 3.5625 V → 100 % | 0x46 = 70 → 30 °C. Failed before: 7.56 V.
  { model: 'M1015 (Pro Plus)', source: 'built from the Mopeka Pro advertisement layout (reserved battery bit)', fmt: 'mopeka',
    input: { manufacturerdata: '5900' + '08' + 'f2' + '46' + '00c0' + 'e0f509' + 'f0d8' },
    expect: { temperature: 30, voltage: 3.563, battery: 100, reading_quality: 3 } },
];

export const ARANET: Vector[] = [
  // flags 0x22 (integrations on) | version | ... | co2 0x0320 = 800 | 0x01cc = 460 / 20 = 23.0 °C |
  // 0x2794 = 10132 / 10 = 1013.2 hPa | 45 % | 85 % | status | interval 60 s | age 16 s | counter
  { model: 'Aranet4', source: 'built from the Aranet4 advertisement layout (SAF Tehnika Aranet4-Python)', fmt: 'aranet',
    input: { name: 'Aranet4 1A2B3', manufacturerdata: '0207' + '22130c0100000f01' + '2003' + 'cc01' + '9427' + '2d' + '55' + '01' + '3c00' + '1000' + '05' },
    expect: { co2: 800, temperature: 23, pressure: 1013.2, humidity: 45, battery: 85 } },
  // Aranet2: type 1 | flags 0x20 | ... | 0x01cc ÷ 20 = 23.0 °C @10 | 0x01c2 ÷ 10 = 45.0 % @14 | battery 0x5a @17
  { model: 'Aranet2', source: 'built from the Aranet advertisement layout (Aranet4-Python)', fmt: 'aranet',
    input: { name: 'Aranet2 AB12', manufacturerdata: '0207' + '01200001000000000000' + 'cc01' + '0000' + 'c201' + '00' + '5a' + '01' + '3c0010000' + '5' },
    expect: { temperature: 23, humidity: 45, battery: 90 } },
  // Aranet Radon: type 3 | radon 0x0064 = 100 Bq/m3 @8 | 0x0190 ÷ 20 = 20.0 °C | 0x2794 ÷ 10 = 1013.2 hPa | 0x0226 ÷ 10 = 55.0 % | 80 %
  { model: 'Aranet Radon', source: 'built from the Aranet advertisement layout (Aranet4-Python)', fmt: 'aranet',
    input: { name: 'AranetRn+ 1234', manufacturerdata: '0207' + '0320000100000000' + '6400' + '9001' + '9427' + '2602' + '00' + '50' + '01' + '3c00' + '1000' + '05' },
    expect: { radon: 100, temperature: 20, pressure: 1013.2, humidity: 55, battery: 80 } },
  // Aranet Radiation: type 2 | total 0x000186a0 = 100000 nSv = 100 µSv @6 | duration | rate 0x000c × 10 nSv/h = 0.12 µSv/h @14 | 95 %
  { model: 'Aranet Radiation', source: 'built from the Aranet advertisement layout (Aranet4-Python)', fmt: 'aranet',
    input: { name: 'Aranet\u2622 1234', manufacturerdata: '0207' + '022000010000' + 'a0860100' + '100e0000' + '0c00' + '00' + '5f' + '01' + '3c00' + '1000' + '05' },
    expect: { radiation_total: 100, radiation_rate: 0.12, battery: 95 } },
  { model: 'Aranet4 (integrations off)', source: 'built from the Aranet4 advertisement layout', fmt: 'aranet',
    input: { name: 'Aranet4 1A2B3', manufacturerdata: '0207' + '02130c0100000f' }, expect: { error: 'no_data' } },
];

export const RUUVI: Vector[] = [
  { model: 'RuuviTag_RAWv2', source: 'docs.ruuvi.com data format 5 "valid data" test vector', fmt: 'ruuvi5',
    input: { manufacturerdata: '9904' + '0512fc5394c37c0004fffc040cac364200cdcbb8334c884f' },
    expect: { temperature: 24.3, humidity: 53.49, pressure: 1000.44, acceleration_x: 0.004, acceleration_y: -0.004, acceleration_z: 1.036, voltage: 2.977, tx_power: 4, movement_count: 66, measurement_seq: 205 } },
  { model: 'RuuviTag_RAWv1', source: 'docs.ruuvi.com data format 3 example', fmt: 'ruuvi3',
    input: { manufacturerdata: '9904' + '03291a1ece1efc18f94202ca0b53' },
    expect: { humidity: 20.5, temperature: 26.3, pressure: 1027.66, acceleration_x: -1, acceleration_y: -1.726, acceleration_z: 0.714, voltage: 2.899 } },
  // format 6: 0x1194 × 0.005 = 22.5 °C | 0x4e20 × 0.0025 = 50 % | 0xc87d + 50000 Pa = 1013.25 hPa |
  // pm2.5 100 × 0.1 = 10 | co2 600 | VOC 0x32 << 1 | flag bit 6 = 101 | NOx 0x01 << 1 = 2 |
  // luminosity code 127 → e^(127·ln 65536 / 254) − 1 = 255 lx | sequence 42
  { model: 'Ruuvi Air (format 6)', source: 'built from docs.ruuvi.com data format 6', fmt: 'ruuvi6',
    input: { manufacturerdata: '9904' + '06' + '1194' + '4e20' + 'c87d' + '0064' + '0258' + '32' + '01' + '7f' + 'ff' + '2a' + '40' + '112233' },
    expect: { temperature: 22.5, humidity: 50, pressure: 1013.25, pm25: 10, co2: 600, voc: 101, nox: 2, illuminance: 255, measurement_seq: 42 } },
  // format E1: pm1/2.5/4/10 = 1, 2, 3, 4 | co2 500 | VOC 0x19 << 1 = 50 | NOx 0x02 << 1 | bit 7 = 5 |
  // luminosity 0x0186a0 × 0.01 = 1000 lx | sequence 0x000102 = 258
  { model: 'Ruuvi Air (format E1)', source: 'built from docs.ruuvi.com data format E1', fmt: 'ruuvie1',
    input: { manufacturerdata: '9904' + 'e1' + '1194' + '4e20' + 'c87d' + '000a' + '0014' + '001e' + '0028' + '01f4' + '19' + '02' + '0186a0' + 'ffffff' + '000102' + '80' + 'ffffffffff' + MAC },
    expect: { temperature: 22.5, humidity: 50, pressure: 1013.25, pm1: 1, pm25: 2, pm4: 3, pm10: 4, co2: 500, voc: 50, nox: 5, illuminance: 1000, measurement_seq: 258 } },
];

export const THERMOBEACON: Vector[] = [
  // id 0x0011 | 00 | 00 | MAC | 0x0bb8 = 3000 mV → 100 % | 0x0168 / 16 = 22.5 °C | 0x0300 / 16 = 48 % | uptime
  { model: 'WS08', source: 'built from the Theengs ThermoBeacon layout', fmt: 'thermobeacon',
    input: { manufacturerdata: '1100' + '00' + '00' + '22110038c1a4' + 'b80b' + '6801' + '0003' + '00100000' },
    expect: { temperature: 22.5, humidity: 48, voltage: 3, battery: 100, button: false } },
  // id 0x0010 | button | 0x0a8c = 2700 mV → 60 + 100 × 0.1 = 70 % | 0xffcc / 16 = −3.25 °C | 0x05a8 / 16 = 90.5 %
  { model: 'WS02', source: 'built from the Theengs ThermoBeacon layout', fmt: 'thermobeacon',
    input: { manufacturerdata: '1000' + '00' + '80' + '22110038c1a4' + '8c0a' + 'ccff' + 'a805' + '00100000' },
    expect: { temperature: -3.25, humidity: 90.5, voltage: 2.7, battery: 70, button: true } },
  // Device types 0x0030 and 0x0014 (real thermobeacon-ble captures) were unknown_format:
  // 0x0c1c = 3100 mV → 100 % | 0x0150 / 16 = 21 °C | 0x0320 / 16 = 50 %
  { model: 'WS02', source: 'built from the Theengs ThermoBeacon layout (device type 0x0030)', fmt: 'thermobeacon',
    input: { manufacturerdata: '3000' + '00' + '00' + '8b0100005d44' + '1c0c' + '5001' + '2003' + '44000c00' },
    expect: { temperature: 21, humidity: 50, voltage: 3.1, battery: 100 } },
  { model: 'WS08', source: 'built from the Theengs ThermoBeacon layout (device type 0x0014)', fmt: 'thermobeacon',
    input: { manufacturerdata: '1400' + '00' + '00' + '05030000f5eb' + '1c0c' + '5001' + '2003' + '4c030000' },
    expect: { temperature: 21, humidity: 50, voltage: 3.1, battery: 100 } },
];

export const BLUEMAESTRO: Vector[] = [
  // v 0x17 (Tempo Disc THD) | 100 % | ... | 0x00ea = 23.4 °C | 0x01c8 = 45.6 % (big-endian from byte 6)
  { model: 'Tempo Disc THD', source: 'built from the BlueMaestro bmLogger advertisement versions', fmt: 'bluemaestro',
    input: { manufacturerdata: '3301' + '17' + '64' + '0e100000' + '00ea' + '01c8' }, expect: { battery: 100, temperature: 23.4, humidity: 45.6 } },
  // v 0x2b (Maxi THPD), little-endian from byte 15: 0x0929 = 23.45 °C | 0x1394 = 50.12 % | 0x00018bcd = 1013.25 hPa
  { model: 'Tempo Disc Maxi THPD', source: 'built from the BlueMaestro bmLogger advertisement versions', fmt: 'bluemaestro',
    input: { manufacturerdata: '3301' + '2b' + '5a' + '00'.repeat(13) + '2909' + '9413' + 'cd8b0100' }, expect: { battery: 90, temperature: 23.45, humidity: 50.12, pressure: 1013.25 } },
];

export const BTHOME: Vector[] = [
  { model: 'SBHT-003C (BTHome v2)', source: 'bthome.io format page example', fmt: 'bthome',
    input: { servicedata: '4002ca0903bf13', servicedatauuid: '0xfcd2' }, expect: { temperature: 25.06, humidity: 50.55 } },
  { model: 'BTHome v1', source: 'built from bthome.io/v1 (0x23 = signed, 3 bytes)', fmt: 'bthome',
    input: { servicedata: '2302ca090303bf13', servicedatauuid: '0x181c' }, expect: { temperature: 25.06, humidity: 50.55 } },
  { model: 'BTHome v2 (MAC included)', source: 'built from bthome.io/format (device info bit 1)', fmt: 'bthome',
    input: { servicedata: '42' + '221100 38c1a4'.replace(' ', '') + '02ca09', servicedatauuid: '0xfcd2' }, expect: { temperature: 25.06 } },
];

export const TILT_SENSIRION: Vector[] = [
  // Tilt red (UUID a495bb10-…): major 0x0044 = 68 °F → 20 °C | minor 0x03f8 = 1016 → SG 1.016 | tx 0xc5 = −59
  { model: 'Tilt', source: 'built from the Tilt hydrometer iBeacon layout', fmt: 'tilt',
    input: { manufacturerdata: '4c000215' + 'a495bb10c5b14b44b5121370f02d74de' + '0044' + '03f8' + 'c5' }, expect: { temperature: 20, gravity: 1.016, colour: 'red', tx_power: -59 } },
  // Tilt Pro blue (…bb60…): 0x02a8 = 680 → 68.0 °F → 20 °C | 0x27b0 = 10160 → SG 1.016
  { model: 'Tilt Pro', source: 'built from the Tilt hydrometer iBeacon layout', fmt: 'tilt',
    input: { manufacturerdata: '4c000215' + 'a495bb60c5b14b44b5121370f02d74de' + '02a8' + '27b0' + 'c5' }, expect: { temperature: 20, gravity: 1.016, colour: 'blue' } },
  // SHT4X: sample type 6 | raw 0x6202 = 25090 → −45 + 175·25090/65535 = 22.00 °C | 0x72b0 = 29360 → −6 + 125·29360/65535 = 50.00 %
  { model: 'SHT4X', source: 'built from the Sensirion gadget advertising layout (Theengs SHT4X)', fmt: 'sensirion',
    input: { manufacturerdata: 'd506' + '0006' + 'a1b2' + '0262' + 'b072' }, expect: { temperature: 22, humidity: 50 } },
  // SCD4X: sample type 8 | 22.00 °C | 0x8000 → 100·32768/65535 = 50.00 % | co2 0x0320 = 800 ppm
  { model: 'SCD4X', source: 'built from the Sensirion gadget advertising layout (Theengs SCD4X)', fmt: 'sensirion',
    input: { manufacturerdata: 'd506' + '0008' + 'a1b2' + '0262' + '0080' + '2003' }, expect: { temperature: 22, humidity: 50, co2: 800 } },
  // TPMS: 00 01 | MAC a4:… (low nibble 4 → wheel 5) | 0x0003a98c = 240012 Pa → 2400.12 hPa |
  // 0x00000a28 = 2600 → 26.00 °C | 90 % | no alarm
  { model: 'TPMS', source: 'built from the Theengs TPMS definition', fmt: 'tpms',
    input: { manufacturerdata: '0001' + MAC + '8ca90300' + '280a0000' + '5a' + '00' }, expect: { wheel: 5, pressure: 2400.12, temperature: 26, battery: 90, problem: false } },
  // b-parasite protocol 2: 0x23 (v2, counter 3) | flags 1 (lux) | 0x0bb8 = 3.0 V | 0x0906 = 2310 → 23.10 °C |
  // 0x8000 ÷ 655.35 = 50.00 % | 0x4ccc = 19660 ÷ 655.35 = 30.00 % | MAC | 0x03e8 = 1000 lx
  { model: 'BPv1.2 (b-parasite)', source: 'built from the b-parasite protocol 2 layout (Theengs BPARASITE)', fmt: 'bparasite',
    input: { servicedata: '2301' + '0bb8' + '0906' + '8000' + '4ccc' + '112233445566' + '03e8', servicedatauuid: '0x181a' },
    expect: { temperature: 23.1, humidity: 50, moisture: 30, voltage: 3, illuminance: 1000 } },
  // protocol 1: 0x4e20 = 20000 ÷ 1000 = 20.0 °C | 0x7fff ÷ 655.35 = 49.9992 → 50.00 % | moisture 0 | no lux
  { model: 'BPv1.0 (b-parasite)', source: 'built from the b-parasite protocol 1 layout (Theengs BPARASITE)', fmt: 'bparasite',
    input: { servicedata: '1500' + '0c1c' + '4e20' + '7fff' + '0000' + '112233445566', servicedatauuid: '0x181a' },
    expect: { temperature: 20, humidity: 50, moisture: 0, voltage: 3.1, illuminance: null } },
  // Without the MAC inside, the name decides: 80:EA:CA:… is wheel 1, alarm bit set
  { model: 'TPMS', source: 'built from the Theengs TPMS definition', fmt: 'tpms',
    input: { name: 'TPMS1_10CAEA', manufacturerdata: '0001' + '80eaca10caea' + '8ca90300' + 'f4010000' + '64' + '01' }, expect: { wheel: 1, temperature: 5, battery: 100, problem: true } },
];
