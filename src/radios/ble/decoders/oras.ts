import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded } from './common';

// Oras smart faucets (Theengs ORAS definition): manufacturer data, company 0x0131, 20 bytes:
//   company (2) | x | battery % (bit 7 is a flag) | x | serial number (ASCII, 10) | …
// Only the battery is a measurement.

const FMT = 'oras';
const COMPANY = 0x0131;

function decodeOras(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length !== 20) return fail(FMT, 'malformed');
  return { fmt: FMT, fields: { battery: m[3] & 0x7f }, payload: m };
}

/** Oras smart faucets: battery. */
export const OrasDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && advert.manufacturerData!.length === 20,
  decode: (advert) => guarded(FMT, () => decodeOras(advert)),
};
