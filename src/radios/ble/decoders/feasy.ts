import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, serviceData } from './common';

// Feasycom beacons (Theengs FEASY definition): service data fff0, 11 bytes:
//   beacon model byte | … | MAC (6, from byte 4) | battery % (bit 7 ignored); 0x65 = on external power.

const FMT = 'feasy';
const UUID = 'fff0';
const MODELS: Record<number, string> = {
  0x15: 'BP102', 0x19: 'BP109', 0x1a: 'BP103', 0x1b: 'BP104', 0x1c: 'BP201', 0x1d: 'BP106', 0x1e: 'BP101', 0x24: 'BP120', 0x27: 'BP108', 0x28: 'BP108N', 0x29: 'BP103B',
};

function decodeFeasy(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || b.length !== 11) return fail(FMT, 'malformed');
  const f: Fields = { plug: b[10] === 0x65 };
  if (b[10] !== 0x65) f.battery = b[10] & 0x7f;
  const model = MODELS[b[0]];
  if (model) f.beacon_model = model;
  return { fmt: FMT, fields: f, payload: b };
}

/** Feasycom beacons: battery, external power. */
export const FeasyDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => serviceData(advert, UUID)?.length === 11,
  decode: (advert) => guarded(FMT, () => decodeFeasy(advert)),
};
