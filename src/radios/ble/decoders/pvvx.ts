import { createDecipheriv } from 'node:crypto';
import type { Advert, DecodeContext, DecodeResult } from '../advert';
import { isBparasite } from './bparasite';
import { type KeyedDecoder, fail, guarded, macBytes, serviceData } from './common';

// pvvx custom firmware "custom format" (github pvvx/ATC_MiThermometer README): service data 0x181a,
// 15 bytes little-endian: MAC(6, reversed) | temp i16 ×0.01 °C | humidity u16 ×0.01 % |
// battery u16 mV | battery u8 % | measurement counter u8 | flags u8 (GPIO / trigger bits).
// Longer frames from newer firmware keep this prefix.
// Encrypted variants (pvvx README "encrypted beacon"; Ircama's python-interface codec):
//   service data = counter u8 | ciphertext | MIC(4); AES-128-CCM, AAD 0x11, 4-byte tag,
//   nonce = MAC reversed(6) | AD header (AD length, 0x16, 0x1a, 0x18) | counter.
//   11 bytes ("custom" encrypted): temp i16 LE ×0.01 | humidity u16 LE ×0.01 | battery % | flags
//   8 bytes: the atc1441 format encrypted, decoded by atc1441.ts with `decryptTelink` below.
// 6 bytes: the "custom" encrypted beacon's plaintext (same 6 bytes) as gateways that hold the key
//   republish it (OpenMQTTGateway / Theengs "LYWSD03MMC_PVVX_DECR"); no counter in it.
// The counter is 8 bits and wraps, so no replay check is possible here: the idempotency key
// (counter + payload) still collapses a replayed frame into the original reading.

const FMT = 'pvvx';
const UUID = '181a';
const AAD = Buffer.from([0x11]);

function decodePvvx(advert: Advert, ctx: DecodeContext): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b) return fail(FMT, 'malformed');
  if (b.length === 11) return decodeEncrypted(advert, b, ctx);
  if (b.length === 6) return { fmt: FMT, fields: customPlain(b), payload: b };
  if (b.length < 15) return fail(FMT, 'malformed');
  return {
    fmt: FMT,
    fields: {
      temperature: b.readInt16LE(6) / 100,
      humidity: b.readUInt16LE(8) / 100,
      voltage: b.readUInt16LE(10) / 1000,
      battery: b[12],
      flags: b[14],
    },
    counter: b[13],
    payload: b,
  };
}

/**
 * Decrypts a pvvx-firmware encrypted beacon (`counter | ciphertext | MIC`) with the bindkey.
 * Returns the plaintext or the failure to report under `fmt`.
 */
export function decryptTelink(fmt: string, advert: Advert, b: Buffer, ctx: DecodeContext): Buffer | DecodeResult {
  if (!ctx.bindkey) return fail(fmt, 'no_key');
  if (ctx.bindkey.length !== 16) return fail(fmt, 'bad_key');
  const mac = macBytes(advert.mac);
  if (!mac) return fail(fmt, 'malformed');
  const nonce = Buffer.allocUnsafe(11);
  for (let i = 0; i < 6; i++) nonce[i] = mac[5 - i];
  nonce[6] = b.length + 3;
  nonce[7] = 0x16;
  nonce[8] = 0x1a;
  nonce[9] = 0x18;
  nonce[10] = b[0];
  const ct = b.subarray(1, b.length - 4);
  try {
    const d = createDecipheriv('aes-128-ccm', ctx.bindkey, nonce, { authTagLength: 4 });
    d.setAuthTag(b.subarray(b.length - 4));
    d.setAAD(AAD, { plaintextLength: ct.length });
    const p = d.update(ct);
    d.final();
    return p;
  } catch {
    return fail(fmt, 'auth_failed');
  }
}

/** The 6-byte custom payload: temp i16 ×0.01 | humidity u16 ×0.01 | battery % | flags. */
function customPlain(p: Buffer): Record<string, number> {
  return { temperature: p.readInt16LE(0) / 100, humidity: p.readUInt16LE(2) / 100, battery: p[4], flags: p[5] };
}

function decodeEncrypted(advert: Advert, b: Buffer, ctx: DecodeContext): DecodeResult {
  const p = decryptTelink(FMT, advert, b, ctx);
  if (!Buffer.isBuffer(p)) return p;
  return {
    fmt: FMT,
    fields: customPlain(p),
    counter: b[0],
    authenticated: true,
    payload: b,
  };
}

function isPvvx(advert: Advert, b: Buffer | undefined): boolean {
  if (!b) return false;
  if (b.length === 11 || b.length === 6) return true;
  return b.length >= 15 && !isBparasite(advert, b); // b-parasite shares 181a with 16+ bytes
}

/** pvvx firmware custom format (181a, 15+ bytes, MAC first), its encrypted form (11 bytes) and that form's plaintext (6). */
export const PvvxDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => isPvvx(advert, serviceData(advert, UUID)),
  decode: (advert, ctx) => guarded(FMT, () => decodePvvx(advert, ctx)),
};
