import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded } from './common';
import { type FieldRow, readLayout } from './layout';

// Sensirion MyAmbience / gadget advertising (Sensirion's "BLE communication protocol" for the
// SHT4x and SCD4x gadgets; the Theengs SHT4X / SCD4X definitions read the same bytes):
// manufacturer data, company 0x06d5: advertisement type 0x00 | sample type | device id (2) |
// samples u16 LE. Sample type 6 (SHT4x): temperature = −45 + 175 · raw / 65535 °C,
// humidity = −6 + 125 · raw / 65535 %. Types 8 and 10 (SCD4x, MyCO2): temperature as above,
// humidity = 100 · raw / 65535 %, then co2 ppm.

const FMT = 'sensirion';
const COMPANY = 0x06d5;
const T: FieldRow = { name: 'temperature', at: 4, type: 'u16le', scale: 175 / 65535, add: -45, digits: 2 };
const TYPES: Record<number, { len: number; rows: readonly FieldRow[] }> = {
  6: { len: 8, rows: [T, { name: 'humidity', at: 6, type: 'u16le', scale: 125 / 65535, add: -6, digits: 2, range: [0, 100] }] },
  8: { len: 10, rows: [T, { name: 'humidity', at: 6, type: 'u16le', scale: 100 / 65535, digits: 2 }, { name: 'co2', at: 8, type: 'u16le' }] },
  10: { len: 10, rows: [T, { name: 'humidity', at: 6, type: 'u16le', scale: 100 / 65535, digits: 2 }, { name: 'co2', at: 8, type: 'u16le' }] },
};

function spec(advert: Advert): { len: number; rows: readonly FieldRow[] } | undefined {
  const m = advert.manufacturerData;
  if (!m || m.length < 4 || companyId(advert) !== COMPANY || m[2] !== 0x00) return undefined;
  return TYPES[m[3]];
}

function decodeSensirion(advert: Advert): DecodeResult {
  const s = spec(advert);
  const b = advert.manufacturerData!.subarray(2);
  if (!s || b.length < s.len) return fail(FMT, 'malformed');
  return { fmt: FMT, fields: readLayout(b, 0, s.rows), payload: advert.manufacturerData! };
}

/** Sensirion SHT4x and SCD4x gadgets (MyAmbience advertising). */
export const SensirionDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => spec(advert) !== undefined,
  decode: (advert) => guarded(FMT, () => decodeSensirion(advert)),
};
