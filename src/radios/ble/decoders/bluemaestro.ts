import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, round } from './common';

// BlueMaestro Tempo Disc (the vendor's bmLogger advertisement versions, as the bluemaestro-ble
// parser documents them): manufacturer data, company 0x0133, then a version byte and battery %:
//   legacy versions (0x08, 0x0d T; 0x16, 0x17 THD; 0x1b THPD): big-endian from byte 6:
//     temperature i16 ÷10 °C | humidity u16 ÷10 % | pressure u16 ÷10 hPa
//   Tempo Disc Maxi (0x29 T, 0x2a THD, 0x2b THPD): little-endian from byte 15:
//     temperature i16 ÷100 | humidity i16 ÷100 | pressure i32 ÷100
// (offsets after the company id).

const FMT = 'bluemaestro';
const COMPANY = 0x0133;
const VERSIONS: Record<number, { len: number; hum: boolean; pres: boolean; modern: boolean }> = {
  0x08: { len: 8, hum: false, pres: false, modern: false },
  0x0d: { len: 8, hum: false, pres: false, modern: false },
  0x16: { len: 14, hum: true, pres: false, modern: false },
  0x17: { len: 10, hum: true, pres: false, modern: false },
  0x1b: { len: 12, hum: true, pres: true, modern: false },
  0x29: { len: 17, hum: false, pres: false, modern: true },
  0x2a: { len: 19, hum: true, pres: false, modern: true },
  0x2b: { len: 23, hum: true, pres: true, modern: true },
};

function decodeBluemaestro(advert: Advert): DecodeResult {
  const b = advert.manufacturerData!.subarray(2);
  const v = b.length > 0 ? VERSIONS[b[0]] : undefined;
  if (!v || b.length < v.len) return fail(FMT, 'malformed');
  const f: Fields = { battery: b[1] };
  if (v.modern) {
    f.temperature = round(b.readInt16LE(15) / 100, 2);
    if (v.hum) f.humidity = round(b.readInt16LE(17) / 100, 2);
    if (v.pres) f.pressure = round(b.readInt32LE(19) / 100, 2);
  } else {
    f.temperature = round(b.readInt16BE(6) / 10, 1);
    if (v.hum) f.humidity = round(b.readUInt16BE(8) / 10, 1);
    if (v.pres) f.pressure = round(b.readUInt16BE(10) / 10, 1);
  }
  return { fmt: FMT, fields: f, payload: advert.manufacturerData! };
}

/** BlueMaestro Tempo Disc (T, THD, THPD) and Tempo Disc Maxi. */
export const BluemaestroDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && advert.manufacturerData!.length > 2 && VERSIONS[advert.manufacturerData![2]] !== undefined,
  decode: (advert) => guarded(FMT, () => decodeBluemaestro(advert)),
};
