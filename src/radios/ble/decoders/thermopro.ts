import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, fail, guarded } from './common';

// ThermoPro TP35x / TP39x thermo-hygrometers (TP357, TP357S, TP358, TP359, TP393; the layout the
// Theengs TP35X definition and the thermopro-ble parser read). Recognised by the local name; the
// manufacturer data's "company id" bytes are data: byte 0 | temperature i16 LE ×0.1 °C at 1-2 |
// humidity u8 % at 3 | ...

const FMT = 'thermopro';
const PREFIXES = ['TP35', 'TP39'];

function decodeThermopro(advert: Advert): DecodeResult {
  const m = advert.manufacturerData;
  if (!m || m.length < 6) return fail(FMT, 'malformed');
  const h = m[3];
  if (h > 100) return fail(FMT, 'malformed');
  return { fmt: FMT, fields: { temperature: m.readInt16LE(1) / 10, humidity: h }, payload: m };
}

/** ThermoPro TP35x / TP39x. */
export const ThermoproDecoder: KeyedDecoder = {
  fmt: FMT,
  namePrefixes: PREFIXES,
  matches: (advert) => (advert.manufacturerData?.length ?? 0) >= 6,
  decode: (advert) => guarded(FMT, () => decodeThermopro(advert)),
};
