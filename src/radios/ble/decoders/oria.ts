import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, fail, guarded, round } from './common';

// Oria T201 / T301 thermo-hygrometers (Theengs T201 / T301 definitions): local name T201… / T301…,
// manufacturer data without a company id, starting 55 aa, 19 (T301) or 20 (T201) bytes:
//   55 aa | 01 | model | MAC (6) | 01 07 | temperature i16 BE ÷100 °C | humidity u16 BE ÷100 % | battery %.

const FMT = 'oria';
const NAMES = ['T201', 'T301'];

function owns(advert: Advert): boolean {
  const m = advert.manufacturerData;
  return m !== undefined && (m.length === 19 || m.length === 20) && m[0] === 0x55 && m[1] === 0xaa;
}

function decodeOria(advert: Advert): DecodeResult {
  if (!owns(advert)) return fail(FMT, 'malformed');
  const m = advert.manufacturerData!;
  return { fmt: FMT, fields: { temperature: round(m.readInt16BE(12) / 100, 2), humidity: round(m.readUInt16BE(14) / 100, 2), battery: m[16] }, payload: m };
}

/** Oria T201 / T301: temperature, humidity, battery. */
export const OriaDecoder: KeyedDecoder = {
  fmt: FMT,
  namePrefixes: NAMES,
  matches: owns,
  decode: (advert) => guarded(FMT, () => decodeOria(advert)),
};
