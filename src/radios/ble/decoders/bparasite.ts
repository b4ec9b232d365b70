import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, macBytes, round, serviceData } from './common';

// b-parasite soil sensor, protocol v1/v2 (rbaron/b-parasite README; Theengs BPARASITE
// definition): service data 0x181a, 16+ bytes, big-endian: protocol (high nibble 1 or 2) and
// counter (low nibble) | flags (bit 0: illuminance present) | battery mV u16 | temperature i16
// (v1 ÷1000, v2 ÷100 °C) | humidity u16 ÷655.35 % | soil moisture u16 ÷655.35 % | MAC(6) |
// illuminance u16 lx. It shares 0x181a with the ATC/pvvx firmwares: pvvx starts with the
// sender's MAC reversed and is 15 bytes, atc1441 13, so a 16+-byte frame that does not start
// with the reversed MAC and names protocol 1 or 2 is b-parasite.

const FMT = 'bparasite';
const UUID = '181a';

/** Whether 181a service data is a b-parasite frame (see the header). */
export function isBparasite(advert: Advert, b: Buffer | undefined): boolean {
  if (!b || b.length < 16 || (b[0] >> 4 !== 1 && b[0] >> 4 !== 2)) return false;
  const mac = macBytes(advert.mac);
  if (!mac) return true;
  for (let i = 0; i < 6; i++) if (b[i] !== mac[5 - i]) return true;
  return false;
}

function decodeBparasite(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || !isBparasite(advert, b)) return fail(FMT, 'malformed');
  const v1 = b[0] >> 4 === 1;
  const f: Fields = {
    temperature: round(b.readInt16BE(4) / (v1 ? 1000 : 100), 2),
    humidity: round(b.readUInt16BE(6) / 655.35, 2),
    moisture: round(b.readUInt16BE(8) / 655.35, 2),
    voltage: b.readUInt16BE(2) / 1000,
  };
  if (b[1] & 0x01 && b.length >= 18) f.illuminance = b.readUInt16BE(16);
  // The 4-bit counter wraps too soon to key readings by (a missed run of 16 would look like a repeat)
  return { fmt: FMT, fields: f, payload: b };
}

/** b-parasite soil moisture sensor (BPv1.0-1.2 protocols 1 and 2). */
export const BparasiteDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => isBparasite(advert, serviceData(advert, UUID)),
  decode: (advert) => guarded(FMT, () => decodeBparasite(advert)),
};
