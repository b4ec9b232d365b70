import * as crypto from 'node:crypto';
import type { KeySource, RadioKind } from './reading';

/**
 * Idempotency keys (wire spec section 3): the first 16 bytes of SHA-256 over a
 * length-prefixed canonical encoding. Every item is `u32 big-endian length || bytes`; the
 * first item is the domain tag `lowband-key-v1`, the second names the case. Integers are
 * big-endian of the width given. See docs/wire-protocol.md for the table and golden vectors.
 */

const DOMAIN = Buffer.from('lowband-key-v1');
/** One-shot hashing (Node >= 20.12) skips the Hash object; older 20.x fall back to createHash. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

function digest(items: Buffer[]): Buffer {
  // The canonical encoding is built in one buffer and hashed in one call: one crossing into
  // the hash instead of two per item (the key is computed for every reading).
  let n = 0;
  for (const item of items) n += 4 + item.length;
  const b = Buffer.allocUnsafe(n);
  let o = 0;
  for (const item of items) {
    b.writeUInt32BE(item.length, o);
    b.set(item, o + 4);
    o += 4 + item.length;
  }
  return (oneShot ? oneShot('sha256', b, 'buffer') : crypto.createHash('sha256').update(b).digest()).subarray(0, 16);
}

const u32 = (n: number) => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};
const u64 = (n: number | bigint) => {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(n), 0);
  return b;
};
const ascii = (s: string) => Buffer.from(s, 'utf8');

/** LoRaWAN data frame: DevAddr (4 bytes, printed MSB-first order), on-air 16-bit FCnt as u32, MIC (4 bytes as on air). */
export function lorawanKey(devaddrMsbFirst: Buffer, fcnt16: number, mic: Buffer): Buffer {
  return digest([DOMAIN, ascii('lorawan'), devaddrMsbFirst, u32(fcnt16 & 0xffff), mic]);
}

/** LoRaWAN join request: the whole PHYPayload (its MIC and DevNonce make it unique). */
export function lorawanJoinKey(phy: Buffer): Buffer {
  return digest([DOMAIN, ascii('lorawan-join'), phy]);
}

/** BLE format with a measurement counter: MAC (6 bytes, printed order), format, counter (u32), payload. */
export function counterKey(mac: string, fmt: string, counter: number, payload: Buffer): Buffer {
  return digest([DOMAIN, ascii('counter'), Buffer.from(mac, 'hex'), ascii(fmt), u32(counter), payload]);
}

/** Anything else: radio, device, payload and the start (µs) of the run of identical payloads. */
export function runKey(radio: RadioKind, device: string, payload: Buffer, runStartUs: number): Buffer {
  return digest([DOMAIN, ascii('run'), ascii(radio), ascii(device), payload, u64(runStartUs)]);
}

/** Gateway events: gateway id and the event's seq. */
export function eventKey(gatewayId: string, seq: bigint): Buffer {
  return digest([DOMAIN, ascii('sys'), ascii(gatewayId), u64(seq)]);
}

/** Key for a reading whose source says how (the run case needs the run start). */
export function keyFromSource(src: KeySource): Buffer {
  switch (src.kind) {
    case 'lorawan':
      return lorawanKey(src.devaddr, src.fcnt, src.mic);
    case 'lorawan-join':
      return lorawanJoinKey(src.phy);
    case 'counter':
      return counterKey(src.mac, src.fmt, src.counter, src.payload);
  }
}
