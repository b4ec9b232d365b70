import type { Vector } from './vector';

// Xiaomi / Qingping / ClearGrass and the custom Telink firmwares. Built from the formats documented
// in src/radios/ble/decoders/{mibeacon,qingping,miscale,flowercare,atc1441,pvvx}.ts (ble_monitor's
// MiBeacon object list, Theengs definitions, pvvx README). Encrypted frames were produced by a
// throw-away script with Node's AES-128-CCM from the plaintext named in the comment (MiBeacon v5:
// nonce = MAC reversed | product id | frame counter | ext counter, AAD 0x11; pvvx: see pvvx.ts).
const MI = 'built from the MiBeacon frame and object layout (ble_monitor / miot-spec object ids)';
const QP = 'built from the Qingping 0xfdcd object layout (Theengs CG* definitions)';
const MAC_LE = '22110038c1a4'; // A4:C1:38:00:11:22 as sent (reversed)
const KEY = '0123456789abcdef0123456789abcdef';

export const XIAOMI: Vector[] = [
  // fc 0x2050 (v2, MAC, object) | product 0x01aa | counter | MAC | 0x100d: 0x00e4 = 22.8 °C, 0x01a2 = 41.8 %
  { model: 'LYWSDCGQ', source: MI, fmt: 'mibeacon', input: { servicedata: '5020aa0111' + MAC_LE + '0d1004e400a201', servicedatauuid: '0xfe95' },
    expect: { temperature: 22.8, humidity: 41.8 } },
  { model: 'LYWSDCGQ', source: MI, fmt: 'mibeacon', input: { servicedata: '5020aa0112' + MAC_LE + '0a100155', servicedatauuid: '0xfe95' },
    expect: { battery: 85 } },
  // fc 0x2070 (capability too) | capability 0x09 | 0x1004: 0x00f6 = 24.6 °C | 0x1006: 0x025f = 60.7 %
  { model: 'LYWSD02', source: MI, fmt: 'mibeacon', input: { servicedata: '70205b0413' + MAC_LE + '09' + '041002f600' + '0610025f02', servicedatauuid: '0xfe95' },
    expect: { temperature: 24.6, humidity: 60.7 } },
  // 0x1010 formaldehyde: 0x000c = 12 → 0.12 mg/m3
  { model: 'JQJCY01YM', source: MI, fmt: 'mibeacon', input: { servicedata: '5020df0214' + MAC_LE + '1010020c00', servicedatauuid: '0xfe95' },
    expect: { formaldehyde: 0.12 } },
  // 0x1007 illuminance 0x002710 = 10000 lx | 0x1008 moisture 0x2a = 42 % | 0x1009 0x015e = 350 µS/cm | 0x1004 0x00ea = 23.4 °C
  { model: 'HHCCJCY01HHCC', source: MI, fmt: 'mibeacon',
    input: { servicedata: '7120980015' + MAC_LE + '0d' + '071003102700' + '0810012a' + '0910025e01' + '041002ea00', servicedatauuid: '0xfe95' },
    expect: { illuminance: 10000, moisture: 42, conductivity: 350, temperature: 23.4 } },
  { model: 'HHCCPOT002', source: MI, fmt: 'mibeacon', input: { servicedata: '71205d0116' + MAC_LE + '0d' + '0810011e' + '091002c800', servicedatauuid: '0xfe95' },
    expect: { moisture: 30, conductivity: 200 } },
  // HHCCJCY10 (fd50, big-endian): 0x1e = 30 % | 0x00e1 = 22.5 °C | 0x0007d0 = 2000 lx | 0x5a = 90 % | 0x012c = 300 µS/cm
  { model: 'HHCCJCY10', source: 'built from the Theengs HHCCJCY10 definition', fmt: 'flowercare',
    input: { servicedata: '1e00e10007d05a012c', servicedatauuid: '0xfd50' },
    expect: { moisture: 30, temperature: 22.5, illuminance: 2000, battery: 90, conductivity: 300 } },
  // CGG1 stock firmware, MiBeacon v3: 0x00d8 = 21.6 °C, 0x022c = 55.6 %
  { model: 'CGG1 (stock, MiBeacon)', source: MI, fmt: 'mibeacon', input: { servicedata: '5030470317' + MAC_LE + '0d1004d8002c02', servicedatauuid: '0xfe95' },
    expect: { temperature: 21.6, humidity: 55.6 } },
  // Issue 11: newer object ids authenticated but gave `fields: {}`. Encrypted v5 (fc 0x5858):
  //   XMWSDJ04MMC plaintext 0x4c01 float 23.4 | 0x4c02 u8 0x2d = 45
  { model: 'XMWSDJ04MMC', source: MI + ' (encrypted with the key below)', fmt: 'mibeacon', ctx: { bindkey: KEY },
    input: { servicedata: '585803122122110038c1a4c64c97527ab17e35576fcb000001d9f1ea32', servicedatauuid: '0xfe95' },
    expect: { temperature: 23.4, humidity: 45 } },
  //   MJWSD05MMC plaintext 0x4801 float −7.25 | 0x4808 float 61.5 | 0x4803 u8 0x4b = 75
  { model: 'MJWSD05MMC', source: MI + ' (encrypted with the key below)', fmt: 'mibeacon', ctx: { bindkey: KEY },
    input: { servicedata: '585828322222110038c1a4551f8a30a423c65b49d22d9acaf95dbf7f420000024691ddb0', servicedatauuid: '0xfe95' },
    expect: { temperature: -7.25, humidity: 61.5, battery: 75 } },
  //   LYWSD02MMC plaintext 0x4802 u8 0x37 = 55 | 0x4803 u8 0x5a = 90
  { model: 'LYWSD02MMC', source: MI + ' (encrypted with the key below)', fmt: 'mibeacon', ctx: { bindkey: KEY },
    input: { servicedata: '5858e4162322110038c1a47108d60111347c400000037f313ac4', servicedatauuid: '0xfe95' },
    expect: { humidity: 55, battery: 90 } },
  //   LYWSD03MMC stock plaintext 0x100d: 0x00f0 = 24.0 °C, 0x01f4 = 50.0 %
  { model: 'LYWSD03MMC', source: MI + ' (encrypted with the key below)', fmt: 'mibeacon', ctx: { bindkey: KEY },
    input: { servicedata: '58585b052422110038c1a4d5cf6657d0b7b6000004515e7733', servicedatauuid: '0xfe95' },
    expect: { temperature: 24, humidity: 50 } },
  { model: 'LYWSD03MMC', source: MI + ' (encrypted, no key enrolled)', fmt: 'mibeacon',
    input: { servicedata: '58585b052422110038c1a4d5cf6657d0b7b6000004515e7733', servicedatauuid: '0xfe95' },
    expect: { error: 'no_key' } },
  // ATC firmware (atc1441, big-endian): 0x00e6 = 23.0 °C | 45 % | 90 % | 0x0b86 = 2950 mV
  { model: 'LYWSD03MMC_ATC / CGG1_ATC', source: 'built from the atc1441 advertising format', fmt: 'atc1441',
    input: { servicedata: 'a4c138001122' + '00e6' + '2d' + '5a' + '0b86' + '07', servicedatauuid: '0x181a' },
    expect: { temperature: 23, humidity: 45, battery: 90, voltage: 2.95 } },
  // pvvx custom (little-endian): 0x08fc = 23.00 °C | 0x1388 = 50.00 % | 0x0bb8 = 3.000 V | 100 % | counter | flags 5
  { model: 'LYWSD03MMC_PVVX / CGG1_PVVX', source: 'built from the pvvx custom format (pvvx README)', fmt: 'pvvx',
    input: { servicedata: MAC_LE + 'fc08' + '8813' + 'b80b' + '64' + '01' + '05', servicedatauuid: '0x181a' },
    expect: { temperature: 23, humidity: 50, voltage: 3, battery: 100, flags: 5 } },
  // pvvx encrypted custom: plaintext 0x09a0 = 24.64 °C | 0x186a = 62.50 % | 85 % | flags 0
  { model: 'LYWSD03MMC_PVVX (encrypted)', source: 'built from the pvvx encrypted beacon format, encrypted with the key below', fmt: 'pvvx', ctx: { bindkey: KEY },
    input: { servicedata: '31e0685082f1aacdc5f15f', servicedatauuid: '0x181a' },
    expect: { temperature: 24.64, humidity: 62.5, battery: 85 } },
  // The same plaintext as a gateway holding the key republishes it (6 bytes, Theengs
  // "LYWSD03MMC_PVVX_DECR"): 0x09a0 = 24.64 °C | 0x186a = 62.50 % | 85 % | flags 4. Was unknown_format.
  { model: 'LYWSD03MMC_PVVX (decrypted by the gateway)', source: 'built from the pvvx encrypted beacon plaintext layout', fmt: 'pvvx',
    input: { servicedata: 'a009' + '6a18' + '55' + '04', servicedatauuid: '0x181a' },
    expect: { temperature: 24.64, humidity: 62.5, battery: 85, flags: 4 } },
  // atc1441 encrypted: plaintext 0x8e = 142 → 71 − 40 = 31 °C | 0x7a = 122 → 61 % | 0x63 = 99 %
  { model: 'LYWSD03MMC_ATC (encrypted)', source: 'built from the pvvx encrypted atc1441 format, encrypted with the key below', fmt: 'atc1441', ctx: { bindkey: KEY },
    input: { servicedata: '32103b1f96561274', servicedatauuid: '0x181a' },
    expect: { temperature: 31, humidity: 61, battery: 99 } },
  // Qingping 0xfdcd: flags | device id | MAC | objects. 0x01: 0x00dc = 22.0 °C, 0x0190 = 40.0 % | 0x02: 80 %
  { model: 'CGG1 (stock, Qingping)', source: QP, fmt: 'qingping', input: { servicedata: '0807' + MAC_LE + '0104dc009001' + '020150', servicedatauuid: '0xfdcd' },
    expect: { temperature: 22, humidity: 40, battery: 80 } },
  { model: 'CGD1', source: QP, fmt: 'qingping', input: { servicedata: '080c' + MAC_LE + '0104f3ffe803' + '020164', servicedatauuid: '0xfdcd' },
    expect: { temperature: -1.3, humidity: 100, battery: 100 } }, // 0xfff3 = −13
  { model: 'CGC1', source: QP, fmt: 'qingping', input: { servicedata: '0824' + MAC_LE + '0104f000f401' + '020146', servicedatauuid: '0xfdcd' },
    expect: { temperature: 24, humidity: 50, battery: 70 } },
  { model: 'CGDK2', source: QP, fmt: 'qingping', input: { servicedata: '8810' + MAC_LE + '01040e01c201', servicedatauuid: '0xfdcd' },
    expect: { temperature: 27, humidity: 45 } }, // 0x010e = 270, 0x01c2 = 450
  // CGP1W: 0x07 pressure 0x278c = 10124 → 1012.4 hPa
  { model: 'CGP1W', source: QP, fmt: 'qingping', input: { servicedata: '0809' + MAC_LE + '0104c8002003' + '07028c27' + '020164', servicedatauuid: '0xfdcd' },
    expect: { temperature: 20, humidity: 80, pressure: 1012.4, battery: 100 } },
  // Issue 11: CGPR1 lost illuminance. 0x08: motion 1, 0x0003e8 = 1000 lx | 0x11 light 1
  { model: 'CGPR1', source: QP, fmt: 'qingping', input: { servicedata: '0812' + MAC_LE + '080401e80300' + '110101', servicedatauuid: '0xfdcd' },
    expect: { motion: true, illuminance: 1000, light: true } },
  // CGPR1 event frame (flags bit 6): only the motion byte of 0x08 is valid
  { model: 'CGPR1', source: QP + ' (event frame)', fmt: 'qingping', input: { servicedata: '4812' + MAC_LE + '080401e80300', servicedatauuid: '0xfdcd' },
    expect: { motion: true, illuminance: null } },
  // CGP22C: co2 0x01f4 = 500 ppm | 0x15 VOC index 0x0064 = 100 | 0x19 noise 42 dB | battery 0xff: mains → 100
  { model: 'CGP22C', source: QP, fmt: 'qingping', input: { servicedata: '8833' + MAC_LE + '0104e6005802' + '1302f401' + '15026400' + '19012a' + '0201ff', servicedatauuid: '0xfdcd' },
    expect: { temperature: 23, humidity: 60, co2: 500, voc: 100, noise: 42, battery: 100 } },
  // CGPR1 periodic frame: battery 100 | 0x0f (skipped) | 0x09 illuminance 0x00002710 = 10000 lx
  { model: 'CGPR1', source: QP, fmt: 'qingping', input: { servicedata: '0812' + MAC_LE + '020164' + '0f0100' + '090410270000', servicedatauuid: '0xfdcd' },
    expect: { battery: 100, illuminance: 10000 } },
  // CGH1 door: 0x04 value 0 = open (1 closed, 2 left open)
  { model: 'CGH1', source: QP, fmt: 'qingping', input: { servicedata: '4804' + MAC_LE + '040100', servicedatauuid: '0xfdcd' },
    expect: { opening: true } },
  // CGDN1: pm2.5 12, pm10 20, co2 0x0258 = 600 ppm
  { model: 'CGDN1', source: QP, fmt: 'qingping', input: { servicedata: '880e' + MAC_LE + '0104e600bc02' + '12040c001400' + '13025802', servicedatauuid: '0xfdcd' },
    expect: { temperature: 23, humidity: 70, pm25: 12, pm10: 20, co2: 600 } },
  // XMTZC04HM: control 0x22 (stabilised) | 0x3624 = 13860 / 200 = 69.3 kg | date-time
  { model: 'XMTZC04HM', source: 'built from the Bluetooth Weight Scale layout (Theengs XMTZC04HM)', fmt: 'miscale',
    input: { servicedata: '22' + '2436' + 'e6070c0112000a', servicedatauuid: '0x181d' },
    expect: { weight: 69.3, stabilized: true } },
  // XMTZC05HM: control 02 26 (impedance, stabilised) | date-time | 0x01f4 = 500 Ω | 0x3624 → 69.3 kg
  { model: 'XMTZC05HM', source: 'built from the Body Composition layout (Theengs XMTZC05HM)', fmt: 'miscale',
    input: { servicedata: '0226' + 'e6070c0112000a' + 'f401' + '2436', servicedatauuid: '0x181b' },
    expect: { weight: 69.3, impedance: 500, stabilized: true } },
  // Same scale in lb: 0x3624 = 13860 / 100 = 138.6 lb × 0.45359237 = 62.868 → 62.87 kg
  { model: 'XMTZC05HM', source: 'built from the Body Composition layout (Theengs XMTZC05HM), lb unit', fmt: 'miscale',
    input: { servicedata: '0324' + 'e6070c0112000a' + '0000' + '2436', servicedatauuid: '0x181b' },
    expect: { weight: 62.87, stabilized: true } },
];
