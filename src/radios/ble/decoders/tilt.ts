import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded, round } from './common';

// Tilt hydrometer (Baron Brew Equipment's iBeacon layout): an iBeacon whose proximity UUID is
// a495bb?0-c5b1-4b44-b512-1370f02d74de, the ? naming the colour (1 red … 8 pink);
// major = temperature °F, minor = specific gravity × 1000. The Tilt Pro sends ten times the
// resolution (°F × 10, SG × 10 000), recognisable by a minor above 5000 (SG 5.0 is no beer).

const FMT = 'tilt';
const COMPANY = 0x004c;
const COLOURS = ['red', 'green', 'black', 'purple', 'orange', 'blue', 'yellow', 'pink'];
const UUID_HEAD = Buffer.from('a495bb', 'hex');
const UUID_TAIL = Buffer.from('c5b14b44b5121370f02d74de', 'hex');

/** The Tilt colour index (0-7) of an iBeacon advert, or -1 when it is not a Tilt. */
export function tiltColour(m: Buffer | undefined): number {
  if (!m || m.length < 25 || m[2] !== 0x02 || m[3] !== 0x15) return -1;
  if (!m.subarray(4, 7).equals(UUID_HEAD) || !m.subarray(8, 20).equals(UUID_TAIL)) return -1;
  const c = (m[7] >> 4) - 1;
  return (m[7] & 0x0f) === 0 && c >= 0 && c < COLOURS.length ? c : -1;
}

function decodeTilt(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  const c = tiltColour(m);
  if (c < 0) return fail(FMT, 'malformed');
  const major = m.readUInt16BE(20), minor = m.readUInt16BE(22);
  const pro = minor > 5000;
  const fahrenheit = pro ? major / 10 : major;
  return {
    fmt: FMT,
    fields: { temperature: round(((fahrenheit - 32) * 5) / 9, 2), gravity: pro ? minor / 10000 : minor / 1000, colour: COLOURS[c], tx_power: m.readInt8(24) },
    payload: m,
  };
}

/** Tilt and Tilt Pro hydrometers (iBeacon with the Tilt UUIDs). */
export const TiltDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && tiltColour(advert.manufacturerData) >= 0,
  decode: (advert) => guarded(FMT, () => decodeTilt(advert)),
};
