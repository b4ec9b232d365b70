import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded } from './common';

// Ruuvi data format 3 "RAWv1" (docs.ruuvi.com, dataformats/dataformat-rawv1): manufacturer data,
// company 0x0499, then 14 bytes big-endian: 0x03 | humidity u8 ×0.5 % | temp: sign-magnitude
// integer byte (bit 7 = negative) + fraction byte in 1/100 | pressure u16 +50000 Pa |
// acc x,y,z i16 mg | battery u16 mV. No measurement counter in this format.

const FMT = 'ruuvi3';
const COMPANY = 0x0499;

function decodeRuuvi3(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length < 2 + 14) return fail(FMT, 'malformed');
  const b = m.subarray(2);
  const f: Fields = {};
  f.humidity = b[1] / 2;
  const ti = b[2] & 0x7f, tf = b[3];
  if (tf > 99) return fail(FMT, 'malformed');
  const t = (ti * 100 + tf) / 100;
  f.temperature = b[2] & 0x80 ? -t : t;
  f.pressure = (b.readUInt16BE(4) + 50000) / 100;
  f.acceleration_x = b.readInt16BE(6) / 1000;
  f.acceleration_y = b.readInt16BE(8) / 1000;
  f.acceleration_z = b.readInt16BE(10) / 1000;
  f.voltage = b.readUInt16BE(12) / 1000;
  return { fmt: FMT, fields: f, payload: m };
}

/** RuuviTag data format 3 (RAWv1). */
export const Ruuvi3Decoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && advert.manufacturerData!.length > 2 && advert.manufacturerData![2] === 3,
  decode: (advert) => guarded(FMT, () => decodeRuuvi3(advert)),
};
