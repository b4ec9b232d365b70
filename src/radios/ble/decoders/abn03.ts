import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, fail, guarded, round, serviceData } from './common';

// April Brother N03 (Theengs ABN03 definition): service data 03ab, 13 bytes after the UUID:
//   MAC (6) | battery % | temperature i16 LE ÷8 °C | humidity u16 LE ÷2 % | illuminance u16 LE lx.

const FMT = 'abn03';
const UUID = '03ab';

function decodeAbn03(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || b.length !== 13) return fail(FMT, 'malformed');
  return {
    fmt: FMT,
    fields: { battery: b[6], temperature: round(b.readInt16LE(7) / 8, 3), humidity: round(b.readUInt16LE(9) / 2, 1), illuminance: b.readUInt16LE(11) },
    payload: b,
  };
}

/** April Brother ABN03: temperature, humidity, illuminance, battery. */
export const Abn03Decoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => serviceData(advert, UUID)?.length === 13,
  decode: (advert) => guarded(FMT, () => decodeAbn03(advert)),
};
