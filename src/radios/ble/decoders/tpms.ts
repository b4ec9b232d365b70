import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded, round } from './common';

// Generic BLE tyre pressure sensors (the common "TPMS" valve caps, Theengs TPMS definition):
// manufacturer data, 18 bytes, id 0x0100, then the sensor's address (6 bytes, printed order; its
// first byte 0x80 + wheel position 0-3) | pressure u32 LE Pa | temperature i32 LE ÷100 °C |
// battery % | alarm (bit 0: no pressure, given as `problem`). Pressure is given in the contract's hPa.

const FMT = 'tpms';
const ID = 0x0100;

function isTpms(advert: Advert): boolean {
  const m = advert.manufacturerData;
  return companyId(advert) === ID && m!.length === 18 && (m![2] & 0xf0) === 0x80;
}

function decodeTpms(advert: Advert): DecodeResult {
  if (!isTpms(advert)) return fail(FMT, 'malformed');
  const m = advert.manufacturerData!;
  return {
    fmt: FMT,
    fields: {
      pressure: round(m.readUInt32LE(8) / 100, 2),
      temperature: round(m.readInt32LE(12) / 100, 2),
      battery: m[16],
      problem: (m[17] & 0x01) !== 0,
      wheel: (m[2] & 0x0f) + 1,
    },
    payload: m,
  };
}

/** TPMS tyre sensors: pressure, temperature, battery, problem (alarm), wheel. */
export const TpmsDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [ID],
  matches: isTpms,
  decode: (advert) => guarded(FMT, () => decodeTpms(advert)),
};
