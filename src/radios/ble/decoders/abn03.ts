import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, fail, firstServiceData, guarded, round } from './common';

// April Brother ABSensor N03 (April Brother's wiki "ABSensor N03" packet format; Theengs ABN03):
// service data fe59 (Nordic's OTA service UUID), 15 bytes: ab (April Brother) | 03 (device type) |
// MAC (6) | battery % | temperature i16 LE ÷8 °C | humidity u16 LE ÷2 % | illuminance u16 LE lx.
// A `decode ble` line without a UUID whose data starts ab 03 has those two bytes read as the
// UUID 03ab (little-endian, as on air), so that key is accepted with the 13 bytes after it.

const FMT = 'abn03';
const UUIDS = ['fe59', '03ab'] as const;

/** The 13 bytes after `ab 03`, or undefined when the advert is not an N03's. */
function body(advert: Advert): Buffer | undefined {
  const sd = firstServiceData(advert, UUIDS);
  if (!sd) return undefined;
  const b = sd.uuid === 'fe59' ? (sd.data[0] === 0xab && sd.data[1] === 0x03 ? sd.data.subarray(2) : undefined) : sd.data;
  return b !== undefined && b.length === 13 ? b : undefined;
}

function decodeAbn03(advert: Advert): DecodeResult {
  const b = body(advert);
  if (!b) return fail(FMT, 'malformed');
  return {
    fmt: FMT,
    fields: { battery: b[6], temperature: round(b.readInt16LE(7) / 8, 3), humidity: round(b.readUInt16LE(9) / 2, 1), illuminance: b.readUInt16LE(11) },
    payload: b,
  };
}

/** April Brother ABN03: temperature, humidity, illuminance, battery. */
export const Abn03Decoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [...UUIDS],
  matches: (advert) => body(advert) !== undefined,
  decode: (advert) => guarded(FMT, () => decodeAbn03(advert)),
};
