import type { Advert, DecodeContext, DecodeResult } from '../advert';
import { type KeyedDecoder, fail, guarded, serviceData } from './common';
import { decryptTelink } from './pvvx';

// atc1441 custom firmware for Xiaomi LYWSD03MMC (github atc1441/ATC_MiThermometer, "advertising
// format"): service data 0x181a, 13 bytes big-endian: MAC(6) | temp i16 ×0.1 °C | humidity u8 % |
// battery u8 % | battery u16 mV | frame counter u8 (changes with each new measurement).
// Encrypted (pvvx firmware in atc1441 mode with a bindkey, 8 bytes; see pvvx.ts for the crypto):
//   counter | 3 ciphertext bytes | MIC(4); plaintext: temp u8 ×0.5 − 40 °C | humidity u8 ×0.5 % |
//   bit 7 trigger, bits 0-6 battery %. The temperature byte is unsigned (−40 … 87.5 °C): read as
//   signed, 0x85 would give −101.5 °C instead of 26.5 °C.

const FMT = 'atc1441';
const UUID = '181a';

function decodeEncrypted(advert: Advert, b: Buffer, ctx: DecodeContext): DecodeResult {
  const p = decryptTelink(FMT, advert, b, ctx);
  if (!Buffer.isBuffer(p)) return p;
  return {
    fmt: FMT,
    fields: { temperature: p[0] / 2 - 40, humidity: p[1] / 2, battery: p[2] & 0x7f },
    counter: b[0],
    authenticated: true,
    payload: b,
  };
}

function decodeAtc(advert: Advert, ctx: DecodeContext): DecodeResult {
  const b = serviceData(advert, UUID);
  if (b && b.length === 8) return decodeEncrypted(advert, b, ctx);
  if (!b || b.length !== 13) return fail(FMT, 'malformed');
  return {
    fmt: FMT,
    fields: {
      temperature: b.readInt16BE(6) / 10,
      humidity: b[8],
      battery: b[9],
      voltage: b.readUInt16BE(10) / 1000,
    },
    counter: b[12],
    payload: b,
  };
}

/** atc1441 firmware format (181a, 13 bytes) and its encrypted form (8 bytes). */
export const Atc1441Decoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => {
    const n = serviceData(advert, UUID)?.length;
    return n === 13 || n === 8;
  },
  decode: (advert, ctx) => guarded(FMT, () => decodeAtc(advert, ctx)),
};
