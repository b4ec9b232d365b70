import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded, round } from './common';

// SmartDry laundry sensor (Theengs SDLS definition): manufacturer data, company 0x01ae, 14 bytes:
//   temperature f32 LE °C | humidity f32 LE % | shake count u16 LE | voltage: byte + 2847 mV |
//   byte 13 bit 0: awake.

const FMT = 'smartdry';
const COMPANY = 0x01ae;

function decodeSmartdry(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length !== 14) return fail(FMT, 'malformed');
  const t = m.readFloatLE(2);
  const h = m.readFloatLE(6);
  if (!Number.isFinite(t) || !Number.isFinite(h) || Math.abs(t) > 200 || h < 0 || h > 100) return fail(FMT, 'malformed');
  return {
    fmt: FMT,
    fields: { temperature: round(t, 2), humidity: round(h, 2), shake_count: m.readUInt16LE(10), voltage: (m[12] + 2847) / 1000, awake: (m[13] & 1) !== 0 },
    payload: m,
  };
}

/** SmartDry laundry sensor (SDLS). */
export const SmartdryDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && advert.manufacturerData!.length === 14,
  decode: (advert) => guarded(FMT, () => decodeSmartdry(advert)),
};
