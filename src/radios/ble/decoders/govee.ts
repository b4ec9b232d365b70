import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded } from './common';

// Govee thermo-hygrometers, manufacturer data with company id 0xec88 (layouts as described by
// Theengs decoder H5075/H5072/H5074 definitions and GoveeBTTempLogger):
//   H5072/H5075/H5101/H5102 (8 bytes): 88 ec | 00 | packed u24 BE | battery % | 00
//     packed: bit 23 = negative; v = packed & 0x7fffff; temp = floor(v / 1000) / 10; hum = (v % 1000) / 10
//   H5074 (9 bytes): 88 ec | 00 | temp i16 LE ×0.01 | humidity u16 LE ×0.01 | battery % | xx

const FMT = 'govee';
const COMPANY = 0xec88;

function decodeGovee(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length === 8 || m.length === 7) {
    const packed = m.readUIntBE(3, 3);
    const v = packed & 0x7fffff;
    const t = Math.floor(v / 1000) / 10;
    const fields: Record<string, number> = { temperature: packed & 0x800000 ? -t : t, humidity: (v % 1000) / 10 };
    if (m[6] <= 100) fields.battery = m[6];
    return { fmt: FMT, fields, payload: m };
  }
  if (m.length === 9) {
    const fields: Record<string, number> = { temperature: m.readInt16LE(3) / 100, humidity: m.readUInt16LE(5) / 100 };
    if (m[7] <= 100) fields.battery = m[7];
    return { fmt: FMT, fields, payload: m };
  }
  return fail(FMT, 'malformed');
}

/** Govee H5072/H5075 family and H5074. */
export const GoveeDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY,
  decode: (advert) => guarded(FMT, () => decodeGovee(advert)),
};
