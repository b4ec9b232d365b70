import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded, macBytes, round } from './common';

// Generic BLE tyre sensors (the "TPMS" caps sold under many names; Theengs TPMS definition):
// manufacturer data, 18 bytes: 00 0x (the "company id", 0x0000-0x0f00) | MAC(6; the low nibble
// of its first byte is the wheel position − 1, e.g. 80:EA:CA:… is wheel 1) | pressure i32 LE Pa |
// temperature i32 LE ×0.01 °C | battery % | alarm (bit 0). Recognised by that length with the
// sender's MAC inside, or the local name `TPMS…`.

const FMT = 'tpms';
const COMPANIES = Array.from({ length: 16 }, (_, i) => i << 8);

function isTpms(advert: Advert): boolean {
  const m = advert.manufacturerData;
  if (!m || m.length !== 18 || !COMPANIES.includes(companyId(advert))) return false;
  if (advert.localName?.startsWith('TPMS')) return true;
  const mac = macBytes(advert.mac);
  return mac !== undefined && mac.equals(m.subarray(2, 8));
}

function decodeTpms(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length !== 18) return fail(FMT, 'malformed');
  return {
    fmt: FMT,
    fields: {
      wheel: (m[2] & 0x0f) + 1,
      pressure: round(m.readInt32LE(8) / 100, 2),
      temperature: m.readInt32LE(12) / 100,
      battery: m[16],
      problem: (m[17] & 0x01) !== 0,
    },
    payload: m,
  };
}

/** Generic BLE tyre pressure sensors (TPMS caps). */
export const TpmsDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: COMPANIES,
  namePrefixes: ['TPMS'],
  matches: isTpms,
  decode: (advert) => guarded(FMT, () => decodeTpms(advert)),
};
