import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, round } from './common';

// Mopeka Pro family (Mopeka's Pro Check documentation as read by mopeka_pro_check and
// mopeka-iot-ble): manufacturer data, company 0x0059, 10 bytes after the id:
//   hardware id (0x03 Pro Check M1017, 0x04 Pro-200, 0x05 Pro H2O, 0x06 Lippert BottleCheck,
//   0x08/0x09 Pro Plus M1015, 0x0a/0x0b TD40/TD200, 0x0c Pro Check Universal, 0x12 Pro-200B) |
//   battery (bits 0-6 ÷ 32 = V; bit 7 reserved) | bit 7 button, bits 0-6 temperature + 40 °C | tank level raw (14 bits LE,
//   µs of echo) with reading quality in the top 2 bits (0-3) | MAC (3) | accelerometer x, y.
// 0x0059 is Nordic Semiconductor's id, shared by many devices: the length and hardware id decide.
// tank_level [mm] = raw × (a + b·T + c·T²) with T the raw temperature byte and the coefficients of
// propane (the default medium); it is left out when the reading quality is 0.

const FMT = 'mopeka';
const COMPANY = 0x0059;
const HW = new Set([0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x12]);
const PROPANE = [0.573045, -0.002822, -0.00000535] as const;

function decodeMopeka(advert: Advert): DecodeResult {
  const m = advert.manufacturerData;
  if (!m || m.length !== 12) return fail(FMT, 'malformed');
  const b = m.subarray(2);
  const rawT = b[2] & 0x7f;
  const raw = ((b[4] << 8) | b[3]) & 0x3fff;
  const quality = b[4] >> 6;
  const volts = (b[1] & 0x7f) / 32; // bit 7 is reserved: some firmware sets it
  const f: Fields = {
    temperature: rawT - 40,
    voltage: round(volts, 3),
    battery: round(Math.max(0, Math.min(100, ((volts - 2.2) / 0.65) * 100)), 1),
    button: (b[2] & 0x80) !== 0,
    reading_quality: quality,
  };
  if (quality >= 1) f.tank_level = Math.trunc(raw * (PROPANE[0] + PROPANE[1] * rawT + PROPANE[2] * rawT * rawT));
  return { fmt: FMT, fields: f, payload: m };
}

/** Mopeka Pro Check (M1017), Pro Plus (M1015) and the rest of the Pro family. */
export const MopekaDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && advert.manufacturerData!.length === 12 && HW.has(advert.manufacturerData![2]),
  decode: (advert) => guarded(FMT, () => decodeMopeka(advert)),
};
