import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, round, serviceData } from './common';

// b-parasite soil moisture sensor (rbaron/b-parasite firmware, protocol v1 and v2, BPv1.0–1.2
// boards): service data 181a, 16 bytes, 18 with the light sensor:
//   byte 0: protocol version (high nibble 1 or 2) | bit 0 has illuminance
//   byte 1: low nibble: counter | battery u16 BE mV | temperature i16 BE (v1 ÷1000, v2 ÷100 °C) |
//   humidity u16 BE | soil moisture u16 BE (both ÷655.35 = %) | MAC (6) | illuminance u16 BE lx
// 181a is shared with atc1441 (13 / 8 bytes) and pvvx (15 / 11 bytes): the lengths 16 and 18
// with a version nibble of 1 or 2 are b-parasite's alone (pvvx steps aside for them).

const FMT = 'bparasite';
const UUID = '181a';

/** True for b-parasite service data (pvvx, which shares 181a, defers to this). */
export function isBparasite(b: Buffer): boolean {
  if (b.length !== 16 && b.length !== 18) return false;
  const v = b[0] >> 4;
  return (v === 1 || v === 2) && (b.length === 18) === ((b[0] & 1) === 1);
}

function decodeBparasite(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || !isBparasite(b)) return fail(FMT, 'malformed');
  const f: Fields = {
    voltage: b.readUInt16BE(2) / 1000,
    temperature: round(b.readInt16BE(4) / (b[0] >> 4 === 1 ? 1000 : 100), 2),
    humidity: round(b.readUInt16BE(6) / 655.35, 2),
    moisture: round(b.readUInt16BE(8) / 655.35, 2),
  };
  if (b.length === 18) f.illuminance = b.readUInt16BE(16);
  return { fmt: FMT, fields: f, payload: b };
}

/** b-parasite (BPv1.0–1.2), protocol v1 and v2. */
export const BparasiteDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => {
    const b = serviceData(advert, UUID);
    return b !== undefined && isBparasite(b);
  },
  decode: (advert) => guarded(FMT, () => decodeBparasite(advert)),
};
