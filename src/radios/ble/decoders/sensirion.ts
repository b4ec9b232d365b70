import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, round } from './common';

// Sensirion MyAmbience gadgets (Sensirion's "BLE communication protocol" of the SHT4x / SCD4x
// demonstrator gadgets, as the Theengs SHT4X / SCD4X definitions read it): manufacturer data,
// company 0x06d5, then advertisement type 0x00 | sample type | device id (2) | samples u16 LE:
//   sample type 0x06 (SHT4X):        temperature | humidity
//   sample type 0x08 / 0x0a (SCD4X): temperature | humidity | co2 [ppm]
// Conversions are the sensor chips' datasheet formulas: T = −45 + 175·raw/65535 for both;
// RH = −6 + 125·raw/65535 on the SHT4x, RH = 100·raw/65535 on the SCD4x. Gadgets may append
// their name after the samples, so only a minimum length is checked.

const FMT = 'sensirion';
const COMPANY = 0x06d5;
const MIN_LEN: Record<number, number> = { 0x06: 10, 0x08: 12, 0x0a: 12 };

function decodeSensirion(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  const type = m[3];
  const min = MIN_LEN[type];
  if (m.length < 4 || m[2] !== 0x00 || min === undefined || m.length < min) return fail(FMT, 'malformed');
  const t = -45 + (175 * m.readUInt16LE(6)) / 65535;
  const raw = m.readUInt16LE(8);
  const h = type === 0x06 ? -6 + (125 * raw) / 65535 : (100 * raw) / 65535;
  const f: Fields = { temperature: round(t, 2), humidity: round(Math.max(0, Math.min(100, h)), 2) };
  if (type !== 0x06) f.co2 = m.readUInt16LE(10);
  return { fmt: FMT, fields: f, payload: m };
}

function isSensirion(advert: Advert): boolean {
  const m = advert.manufacturerData;
  if (companyId(advert) !== COMPANY || m!.length < 4 || m![2] !== 0x00) return false;
  const min = MIN_LEN[m![3]];
  return min !== undefined && m!.length >= min;
}

/** Sensirion SHT4X and SCD4X (MyAmbience) gadgets. */
export const SensirionDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: isSensirion,
  decode: (advert) => guarded(FMT, () => decodeSensirion(advert)),
};
