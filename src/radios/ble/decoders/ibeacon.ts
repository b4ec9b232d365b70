import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded } from './common';
import { ownedBeacon } from './beacon-sensors';
import { tiltColour } from './tilt';

// Apple iBeacon: manufacturer data 4c 00 | 02 15 | proximity UUID(16) | major u16 BE | minor u16 BE |
// measured power i8 (RSSI at 1 m, reported as tx_power).

const FMT = 'ibeacon';
const COMPANY = 0x004c;

function dashed(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function decodeIbeacon(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length < 25) return fail(FMT, 'malformed');
  return {
    fmt: FMT,
    fields: {
      uuid: dashed(m.toString('hex', 4, 20)),
      major: m.readUInt16BE(20),
      minor: m.readUInt16BE(22),
      tx_power: m.readInt8(24),
    },
    payload: m,
  };
}

/** Apple iBeacon. */
export const IbeaconDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => {
    const m = advert.manufacturerData;
    // A Tilt hydrometer is an iBeacon with its own UUIDs: tilt.ts decodes those; the other sensors
    // that speak iBeacon (BM2/BM6, ABTemp, Jaalee, RDL52832) are beacon-sensors.ts / rdl52832.ts's
    return companyId(advert) === COMPANY && m!.length >= 4 && m![2] === 0x02 && m![3] === 0x15 && tiltColour(m) < 0 && !ownedBeacon(advert);
  },
  decode: (advert) => guarded(FMT, () => decodeIbeacon(advert)),
};
