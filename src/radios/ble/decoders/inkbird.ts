import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, fail, guarded } from './common';

// Inkbird IBS-TH1 / IBS-TH2 (Theengs decoder IBS_TH1 / IBS_TH2 definitions): recognised by the
// local name `sps` / `tps`; the 9-byte manufacturer data has no company id:
//   temp i16 LE ×0.01 °C | humidity u16 LE ×0.01 % | probe | crc16(2) | battery % | x

const FMT = 'inkbird';

function decodeInkbird(advert: Advert): DecodeResult {
  const m = advert.manufacturerData;
  if (!m || m.length !== 9) return fail(FMT, 'malformed');
  const fields: Record<string, number> = { temperature: m.readInt16LE(0) / 100 };
  const h = m.readUInt16LE(2);
  if (h !== 0 || advert.localName === 'sps') fields.humidity = h / 100; // IBS-TH2 without humidity sends 0
  if (m[7] <= 100) fields.battery = m[7];
  return { fmt: FMT, fields, payload: m };
}

/** Inkbird IBS-TH1 / IBS-TH2. */
export const InkbirdDecoder: KeyedDecoder = {
  fmt: FMT,
  localNames: ['sps', 'tps'],
  matches: (advert) => advert.manufacturerData?.length === 9,
  decode: (advert) => guarded(FMT, () => decodeInkbird(advert)),
};
