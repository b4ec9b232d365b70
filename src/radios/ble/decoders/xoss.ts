import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded } from './common';

// XOSS X2 heart-rate strap (Theengs XOSSX2 definition): manufacturer data, id 0xff04, 6 bytes:
//   id (2) | x | battery % (bit 7 is a flag) | x | heart rate bpm.

const FMT = 'xoss';
const ID = 0xff04;

function decodeXoss(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length !== 6) return fail(FMT, 'malformed');
  return { fmt: FMT, fields: { battery: m[3] & 0x7f, heart_rate: m[5] }, payload: m };
}

/** XOSS X2 heart-rate sensor: heart_rate, battery. */
export const XossDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [ID],
  matches: (advert) => companyId(advert) === ID && advert.manufacturerData!.length === 6,
  decode: (advert) => guarded(FMT, () => decodeXoss(advert)),
};
