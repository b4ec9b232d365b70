import type { Vector } from './vector';

// The long tail of the Theengs device list. Two kinds of source:
//  - THEENGS: real adverts from the Theengs decoder's own test suite (tests/BLE/test_ble.cpp), with
//    the values that suite expects, converted to the contract's units where they differ (m/s² → g,
//    bar → hPa, °F → °C) and rounded as the decoder rounds;
//  - BUILT: bytes built by hand from the layout at the top of the decoder file named by `fmt`, the
//    arithmetic next to the vector.
const THEENGS = 'real advert and expected values from the Theengs decoder test suite (tests/BLE/test_ble.cpp)';
const THEENGS_INPUT = 'real advert from the Theengs decoder test suite; expected values worked out by hand from the layout';
const BUILT = 'built by hand from the layout documented in the decoder file';

export const LONGTAIL: Vector[] = [
  // Sensirion: T = −45 + 175·raw/65535; SHT4x RH = −6 + 125·raw/65535; SCD4x RH = 100·raw/65535
  { model: 'SHT4X', source: THEENGS, fmt: 'sensirion', input: { manufacturerdata: 'd5060006e2e7036a1c65' }, expect: { temperature: 27.47, humidity: 43.37, co2: null } },
  { model: 'SHT4X', source: THEENGS, fmt: 'sensirion', input: { manufacturerdata: 'd5060006e2e733339dc4' }, expect: { temperature: -10, humidity: 90 } },
  { model: 'SHT4X', source: THEENGS, fmt: 'sensirion', input: { manufacturerdata: 'd5060006e2e72b3e6891' }, expect: { temperature: -2.5, humidity: 65 } },
  { model: 'SHT4X (name appended)', source: THEENGS, fmt: 'sensirion', input: { manufacturerdata: 'd5060006e2e7036a1c650d09534854343020476164676574' }, expect: { temperature: 27.47, humidity: 43.37 } },
  { model: 'SCD4X', source: THEENGS, fmt: 'sensirion', input: { manufacturerdata: 'd506000ae2e733339dc4e902' }, expect: { temperature: -10, humidity: 76.8, co2: 745 } },
  { model: 'SCD4X', source: THEENGS, fmt: 'sensirion', input: { manufacturerdata: 'd506000867355367925c0b040609' }, expect: { temperature: 25.63, humidity: 36.16, co2: 1035 } },
  { model: 'SCD4X', source: THEENGS, fmt: 'sensirion', input: { manufacturerdata: 'd506000ac543016b88619a05000000009a05000000000000' }, expect: { temperature: 28.15, humidity: 38.1, co2: 1434 } },

  // b-parasite: 0x0c1c = 3100 mV; v1 0x6400 = 25600 → 25.6 °C (÷1000), v2 0x0a00 = 2560 → 25.6 (÷100);
  // 0xe666 = 58982 / 655.35 = 90.0 %; 0x7fff / 655.35 = 50.0 %; light 0x30d4 = 12500 lx
  { model: 'BPv1.0', source: THEENGS_INPUT, fmt: 'bparasite', input: { servicedatauuid: '0x181a', servicedata: '10c30c1c6400e6667fffaabbccddeeff' },
    expect: { voltage: 3.1, temperature: 25.6, humidity: 90, moisture: 50, illuminance: null } },
  { model: 'BPv1.2 (light sensor)', source: THEENGS_INPUT, fmt: 'bparasite', input: { servicedatauuid: '0x181a', servicedata: '11c30b8658aca6666b85aabbccddeeff30d4' },
    expect: { voltage: 2.95, temperature: 22.7, humidity: 65, moisture: 42, illuminance: 12500 } }, // 0x58ac = 22700; 0xa666 = 42598; 0x6b85 = 27525
  { model: 'BPv1.0 (protocol v2)', source: THEENGS_INPUT, fmt: 'bparasite', input: { servicedatauuid: '0x181a', servicedata: '20c30c1c0a00e6667fffaabbccddeeff' }, expect: { temperature: 25.6 } },
  { model: 'BPv1.2 (protocol v2, light)', source: THEENGS_INPUT, fmt: 'bparasite', input: { servicedatauuid: '0x181a', servicedata: '21c30b8608dea6666b85aabbccddeeff30d4' },
    expect: { temperature: 22.7, illuminance: 12500 } }, // 0x08de = 2270

  // Tilt: red = a495bb10…; major 0x0044 = 68 °F = 20 °C; minor 0x03f8 = 1016 → 1.016 SG; c5 = −59 dBm
  { model: 'TILT', source: BUILT, fmt: 'tilt', input: { manufacturerdata: '4c000215' + 'a495bb10c5b14b44b5121370f02d74de' + '0044' + '03f8' + 'c5' },
    expect: { temperature: 20, gravity: 1.016, colour: 'red', tx_power: -59 } },
  // Tilt Pro, green: major 0x02a8 = 680 → 68.0 °F = 20 °C; minor 0x27e2 = 10210 → 1.021 SG
  { model: 'TILT (Pro)', source: BUILT, fmt: 'tilt', input: { manufacturerdata: '4c000215' + 'a495bb20c5b14b44b5121370f02d74de' + '02a8' + '27e2' + 'c5' },
    expect: { temperature: 20, gravity: 1.021, colour: 'green' } },

  { model: 'BM2', source: THEENGS, fmt: 'bmbattery', input: { name: 'Battery Monitor', manufacturerdata: '4c000215655f83caae16a10a702e31f30d58dd82f644000064' }, expect: { battery: 100 } },
  { model: 'BM2', source: THEENGS, fmt: 'bmbattery', input: { manufacturerdata: '4c000215655f83caae16a10a702e31f30d58dd82f441423144' }, expect: { battery: 68 } },
  // BM6: the low byte of major, 0x4d = 77 %
  { model: 'BM6', source: THEENGS, fmt: 'bmbattery', input: { manufacturerdata: '4c0002153ba29cd9a42c894856badaf2606ef777114d0000cd' }, expect: { battery: 77 } },

  { model: 'ABTemp', source: THEENGS, fmt: 'abtemp', input: { name: 'ABTemp', manufacturerdata: '4c000215b5b182c7eab14988aa99b5c1517008d90001641ac5' },
    expect: { battery: 100, temperature: 26, tx_power: -59 } },
  // Jaalee: 0x67f8 = 26616 → −45 + 175·26616/65535 = 26.07 °C; 0x57be = 22462 → 34.27 %; battery 0x64
  { model: 'F525 (Jaalee)', source: THEENGS_INPUT, fmt: 'jaalee', input: { manufacturerdata: '4c000215ebefd08370a247c89837e7b5634df52567f857becb64' },
    expect: { temperature: 26.07, humidity: 34.27, battery: 100 } },

  // RDL52832: Theengs gives acceleration in m/s²: −0.196133 / 9.80665 = −0.02 g etc.
  { model: 'RDL52832', source: THEENGS, fmt: 'rdl52832',
    input: { name: 'RDL52832', manufacturerdata: '4c000215fda50693a4e24fb1afcfc6eb0764782500010002d8', servicedatauuid: '0x0318', servicedata: '183a2f33010000020000000100000907' },
    expect: { temperature: 24.2265625, humidity: 47.19921875, acceleration_x: -0.02, acceleration_y: 0.01, acceleration_z: 0.97 } },
  { model: 'RDL52832', source: THEENGS, fmt: 'rdl52832',
    input: { name: 'RDL52832', manufacturerdata: '4c000215fda50693a4e24fb1afcfc6eb0764782500010002d8', servicedatauuid: '0x1803', servicedata: '194c3a39000001040000000901000908' },
    expect: { temperature: 25.296875, humidity: 58.22265625, acceleration_x: 0.14, acceleration_y: 0.09, acceleration_z: -0.98 } },

  // Stepping aside only for what the other decoder takes: an iBeacon with 2 bytes of 0318 data is
  // still a plain iBeacon, and an Eddystone TLM frame on feaa is still eddystone (0x0bb8 = 3000 mV)
  { model: 'iBeacon (not an RDL52832)', source: BUILT, fmt: 'ibeacon',
    input: { manufacturerdata: '4c000215fda50693a4e24fb1afcfc6eb0764782500010002d8', servicedatauuid: '0x0318', servicedata: '1800' }, expect: { major: 1, minor: 2 } },
  { model: 'Eddystone TLM (not KKM)', source: BUILT, fmt: 'eddystone',
    input: { servicedatauuid: '0xfeaa', servicedata: '20000bb8' + '1800' + '00000010' + '00000064' }, expect: { voltage: 3 } },

  // iNode: Theengs gives avg 2.376 kW (→ 2376 W) and sum 21.2928 kWh
  { model: 'INEM', source: THEENGS, fmt: 'inode', input: { name: 'electricity', manufacturerdata: '90826300f0cf0000c409820080' },
    expect: { power: 2376, energy: 21.2928, battery: 70, battery_low: false } },
  { model: 'INEM (low battery)', source: THEENGS, fmt: 'inode', input: { manufacturerdata: '94826300f0cf0000c409260080' }, expect: { power: 2376, battery: 10, battery_low: true } },
  { model: 'INEM (water)', source: THEENGS, fmt: 'inode', input: { name: 'water', manufacturerdata: '9682dd0061b80000c4193b0080' },
    expect: { flow_rate: 2.010309, volume: 7156.004, battery: 20, battery_low: true, power: null } }, // 7.156004 m³ = 7156.004 L

  // TPMS: 0x000365f4 = 222708 Pa = 2227.08 hPa; 0x0c7c = 3196 → 31.96 °C; 0x33 = 51 %; 0x80 → wheel 1
  { model: 'TPMS', source: THEENGS_INPUT, fmt: 'tpms', input: { id: '80:EA:CA:DD:EE:FF', manufacturerdata: '000180eacaddeefff46503007c0c00003300' },
    expect: { pressure: 2227.08, temperature: 31.96, battery: 51, problem: false, wheel: 1 } },
  { model: 'TPMS', source: THEENGS_INPUT, fmt: 'tpms', input: { id: '82:EA:CA:DD:EE:FF', manufacturerdata: '000182eacaddeeff11fc0300aa0600005300' },
    expect: { pressure: 2611.37, temperature: 17.06, battery: 83, wheel: 3 } }, // 0x0003fc11 = 261137 Pa; 0x06aa = 1706

  // KKM: mask 07: 0x0bb8 = 3000 mV | 0x17.80 = 23.5 °C | 0x2d.40 = 45.25 %
  { model: 'K6P', source: BUILT, fmt: 'kkm', input: { servicedatauuid: '0xfeaa', servicedata: '210107' + '0bb8' + '1780' + '2d40' }, expect: { voltage: 3, temperature: 23.5, humidity: 45.25 } },
  // mask 0f: 3.1 V | 0x15.40 = 21.25 °C | 0x32.00 = 50 % | x 16 mg, y −16 mg, z 1000 mg
  { model: 'K9', source: BUILT, fmt: 'kkm', input: { servicedatauuid: '0xfeaa', servicedata: '21010f' + '0c1c' + '1540' + '3200' + '0010' + 'fff0' + '03e8' },
    expect: { voltage: 3.1, temperature: 21.25, humidity: 50, acceleration_x: 0.016, acceleration_y: -0.016, acceleration_z: 1 } },
  // BC08 (a KKM): mask 0b: 0x0c13 = 3091 mV | 24.0 °C | 0x0021 = 33 mg, 0xfffd = −3 mg, 0xfc12 = −1006 mg
  { model: 'K6P (BlueCharm BC08)', source: THEENGS_INPUT, fmt: 'kkm', input: { servicedatauuid: '0xfeaa', servicedata: '21010b0c1318000021fffdfc12' },
    expect: { voltage: 3.091, temperature: 24, acceleration_x: 0.033, acceleration_y: -0.003, acceleration_z: -1.006, humidity: null } },

  { model: 'SDLS', source: THEENGS, fmt: 'smartdry', input: { manufacturerdata: 'ae0156d708420000c84252006907' },
    expect: { temperature: 34.21, humidity: 100, shake_count: 82, voltage: 2.952, awake: true } },
  { model: 'SDLS', source: THEENGS, fmt: 'smartdry', input: { manufacturerdata: 'ae01ca9dec4160fc5f424a005200' },
    expect: { temperature: 29.58, humidity: 56, shake_count: 74, voltage: 2.929, awake: false } },

  // Moko: Theengs gives m/s²: −24.10082304 / 9.80665 = −2.4576 g (0xa000 = −24576 ÷ 10 000)
  { model: 'Mokobeacon', source: THEENGS, fmt: 'moko', input: { servicedatauuid: '0xff01', servicedata: '64000000005085a000f0ffe003' },
    expect: { battery: 100, acceleration_x: -2.4576, acceleration_y: -0.3841, acceleration_z: -0.8189 } },
  { model: 'MBXPRO', source: THEENGS, fmt: 'moko', input: { servicedatauuid: '0xfeab', servicedata: '70000a011201ee0caf03def14635998a' },
    expect: { temperature: 27.4, humidity: 49.4, voltage: 3.247 } },
  { model: 'MBXPRO', source: THEENGS, fmt: 'moko', input: { servicedatauuid: '0xfeab', servicedata: '60000a010007154039c0fa000bf901f40c93fe3487' },
    expect: { acceleration_x: 0.544, acceleration_y: 1.4784, acceleration_z: -0.1536, voltage: 3.065 } },

  // April Brother N03: a line without a UUID (the Theengs test gives the data alone)
  { model: 'ABN03', source: THEENGS, fmt: 'abn03', input: { servicedata: 'ab03aabbccddeeff64ebff7f005e01' },
    expect: { temperature: -2.625, humidity: 63.5, illuminance: 350, battery: 100 } },
  // the same bytes as a receiver reports them: service data UUID fe59 (April Brother's wiki)
  { model: 'ABN03', source: THEENGS + ', with the UUID of the April Brother packet format', fmt: 'abn03',
    input: { servicedatauuid: '0xfe59', servicedata: 'ab03aabbccddeeff64ebff7f005e01' }, expect: { temperature: -2.625, humidity: 63.5, illuminance: 350, battery: 100 } },

  // Feasy: model 0x1e = BP101 | MAC | 0x5a = 90 %; 0x65 = on external power
  { model: 'FEASY', source: BUILT, fmt: 'feasy', input: { servicedatauuid: '0xfff0', servicedata: '1e000000' + 'a1b2c3d4e5f6' + '5a' },
    expect: { battery: 90, plug: false, beacon_model: 'BP101' } },
  { model: 'FEASY (plugged in)', source: BUILT, fmt: 'feasy', input: { servicedatauuid: '0xfff0', servicedata: '1e000000' + 'a1b2c3d4e5f6' + '65' },
    expect: { plug: true, battery: null } },

  // Sensor Easy: 0x0883 = 2179 → 21.79 °C; mfd voltage 0x0c12 = 3090 mV; 0xfc6a = −918 → −9.18 °C
  { model: 'SE_TEMP', source: THEENGS_INPUT, fmt: 'sensoreasy', input: { name: 'P T EN 888444', servicedatauuid: '0x2a6e', servicedata: '8308', manufacturerdata: '5707f2120c' },
    expect: { temperature: 21.79, voltage: 3.09 } },
  { model: 'SE_TEMP', source: THEENGS_INPUT, fmt: 'sensoreasy', input: { name: 'C T 88888E', servicedatauuid: '0x2a6e', servicedata: '6afc' }, expect: { temperature: -9.18 } },
  { model: 'SE_RHT', source: THEENGS_INPUT, fmt: 'sensoreasy', input: { name: 'P RHT 88888B', servicedatauuid: '0x2a6f', servicedata: '2f', manufacturerdata: '5707f2190c' },
    expect: { humidity: 47, voltage: 3.097 } },
  { model: 'SE_TPROBE', source: THEENGS_INPUT, fmt: 'sensoreasy', input: { name: 'P TPROBE 111999', servicedatauuid: '0x2a6e', servicedata: '1608' }, expect: { temperature: 20.7 } },
  { model: 'SE_MAG', source: THEENGS_INPUT, fmt: 'sensoreasy', input: { name: 'P MAG CCCCCC', servicedatauuid: '0x2a06', servicedata: '2400' }, expect: { opening: true } },
  { model: 'SE_MAG', source: THEENGS_INPUT, fmt: 'sensoreasy', input: { name: 'P MAG CCCCCC', servicedatauuid: '0x2a06', servicedata: '2900' }, expect: { opening: false } },
  { model: 'SE_TPROBE', source: THEENGS, fmt: 'sensoreasy', input: { name: 'P TPROBE 000000', servicedatauuid: '0x2a6e', servicedata: '0c08', manufacturerdata: '5707f2e40b' },
    expect: { temperature: 20.6, voltage: 3.044 } },
  { model: 'SE_MAG', source: THEENGS, fmt: 'sensoreasy', input: { name: 'P MAG CCCCCC', servicedatauuid: '0x2a06', servicedata: '3b00', manufacturerdata: '5707f2070c' },
    expect: { opening: false, voltage: 3.079 } },
  { model: 'SE_RHT (temperature)', source: THEENGS, fmt: 'sensoreasy', input: { name: 'P RHT 33399T', servicedatauuid: '0x2a6e', servicedata: '34f8' }, expect: { temperature: -19.96 } },

  { model: 'T301', source: THEENGS, fmt: 'oria', input: { name: 'T301', manufacturerdata: '55aa0105aabbccddeeff01070a0015e0630001' }, expect: { temperature: 25.6, humidity: 56, battery: 99 } },
  { model: 'T201', source: THEENGS, fmt: 'oria', input: { name: 'T201', manufacturerdata: '55aa0101a4c13874b08501070a1d10f064000100' }, expect: { temperature: 25.89, humidity: 43.36, battery: 100 } },

  { model: 'BWBSDOO', source: THEENGS, fmt: 'beewi', input: { manufacturerdata: '0d00080c000664' }, expect: { opening: false, battery: 100 } },
  { model: 'BWBSDOO', source: THEENGS, fmt: 'beewi', input: { manufacturerdata: '0d00080c010664' }, expect: { opening: true, battery: 100 } },

  // NodOn NIU: colour 0x0003 = TechBlue | 0xd5 & 0x7f = 85 % | press 0x02 = double
  { model: 'NODONNIU', source: BUILT, fmt: 'nodon', input: { servicedatauuid: '0x0000', servicedata: '00000000000000000000' + '0003' + 'd5' + '0000' + '02' },
    expect: { battery: 85, button: 'double_press', colour: 'TechBlue' } },

  // XOSS X2: 0xe4 & 0x7f = 100 % | 0x48 = 72 bpm
  { model: 'XOSSX2', source: BUILT, fmt: 'xoss', input: { manufacturerdata: '04ff' + '00e4' + '00' + '48' }, expect: { battery: 100, heart_rate: 72 } },

  // Oral-B: state 03 running | 01:03 = 63 s | mode 01 daily clean | sector 3
  { model: 'ORALB_BT', source: THEENGS, fmt: 'oralb', input: { name: 'Oral-B', manufacturerdata: 'dc000471050332010301030a04' },
    expect: { state: 'running', duration: 63, mode: 'daily clean', sector: 3 } },
  // state 0x73 sleeping | 02:15 = 135 s | mode 07 turbo | sector 8
  { model: 'ORALB_BT', source: THEENGS, fmt: 'oralb', input: { manufacturerdata: 'dc000202067320020f07080004' },
    expect: { state: 'sleeping', duration: 135, mode: 'turbo', sector: 8 } },
  // idle, mode off, 0 s; sector byte 0x0f is none of 1-8, so no sector
  { model: 'ORALB_BT', source: THEENGS, fmt: 'oralb', input: { manufacturerdata: 'dc0004710502360000000f0004' }, expect: { state: 'idle', mode: 'off', duration: 0, sector: null } },
  { model: 'ORALB_BT', source: THEENGS, fmt: 'oralb', input: { manufacturerdata: 'dc000471050432010e03032e04' }, expect: { state: 'charging', mode: 'massage', duration: 74, sector: 3 } },

  // HOBO MX2001: f32 LE 0x3fa00000 = 1.25 m at byte 18
  { model: 'HOBOMX2001', source: BUILT, fmt: 'hobo', input: { manufacturerdata: 'c500' + '00'.repeat(16) + '0000a03f' }, expect: { distance: 1.25 } },

  // Oras: 0xe4 & 0x7f = 100 %
  { model: 'ORAS', source: BUILT, fmt: 'oras', input: { manufacturerdata: '3101' + '00e4' + '00' + '4f52415330303030303030' + '00'.repeat(4) }, expect: { battery: 100 } },

  // Oras Hydractiva Digital (amphiro): session 0x24 = 36 | 0x0015 = 21 s | 0x001a00 = 6656 / 2560 = 2.6 L | 0x29 = 41 °C | 0x000c = 0.12 kWh
  { model: 'ADHS (Oras Hydractiva Digital)', source: THEENGS, fmt: 'amphiro', input: { name: 'Digital Hand Shower', manufacturerdata: 'eefa0000240015000015001a0029000c194f000000' },
    expect: { session: 36, duration: 21, water: 2.6, temperature: 41, energy: 0.12 } },

  // Blue Maestro Tempo Disc 1/3/4-in-1 (the bluemaestro decoder's legacy versions 0x0d, 0x16/0x17, 0x1b)
  { model: 'TD1in1', source: THEENGS, fmt: 'bluemaestro', input: { manufacturerdata: '33010d6402580ad100fc0100' }, expect: { temperature: 25.2, battery: 100 } },
  { model: 'TD3in1', source: THEENGS, fmt: 'bluemaestro', input: { manufacturerdata: '330117560e10177000ef01b3006c0100' }, expect: { temperature: 23.9, humidity: 43.5, battery: 86 } },
  { model: 'TD3in1', source: THEENGS, fmt: 'bluemaestro', input: { manufacturerdata: '330116430e10061eff5d030fff400100' }, expect: { temperature: -16.3, humidity: 78.3, battery: 67 } },
  { model: 'TD4in1', source: THEENGS, fmt: 'bluemaestro', input: { manufacturerdata: '33011b3a0e10061e00df02f727970100' },
    expect: { temperature: 22.3, humidity: 75.9, pressure: 1013.5, battery: 58 } },
];
