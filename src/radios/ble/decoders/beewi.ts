import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded } from './common';

// Otio / BeeWi door & window sensor BWBSDOO (Theengs BWBSDOO definition): manufacturer data,
// company 0x000d, 7 bytes: 08 0c (device type) | state (bit 0 set = open) | … | battery %.

const FMT = 'beewi';
const COMPANY = 0x000d;

function owns(advert: Advert): boolean {
  const m = advert.manufacturerData;
  return companyId(advert) === COMPANY && m!.length === 7 && m![2] === 0x08 && m![3] === 0x0c;
}

function decodeBeewi(advert: Advert): DecodeResult {
  if (!owns(advert)) return fail(FMT, 'malformed');
  const m = advert.manufacturerData!;
  return { fmt: FMT, fields: { opening: (m[4] & 1) === 1, battery: m[6] }, payload: m };
}

/** BeeWi / Otio door & window sensor (BWBSDOO). */
export const BeewiDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: owns,
  decode: (advert) => guarded(FMT, () => decodeBeewi(advert)),
};
