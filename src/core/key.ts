import type { KeySource, RadioKind } from './reading';
import { sha256Prefix16 } from './sha256';

/**
 * Idempotency keys (wire spec section 3): the first 16 bytes of SHA-256 over a
 * length-prefixed canonical encoding. Every item is `u32 big-endian length || bytes`; the
 * first item is the domain tag `lowband-key-v1`, the second names the case. Integers are
 * big-endian of the width given. See docs/wire-protocol.md for the table and golden vectors.
 */

/**
 * Builds the canonical encoding in one scratch buffer (keys are computed for every reading,
 * synchronously, never re-entered) and hashes it in one call: no Buffer per item, and for a
 * key of usual size no crossing into native code (see sha256.ts).
 */
class Canonical {
  private buf = Buffer.allocUnsafe(512);
  private len = 0;

  /** Starts a key: the domain tag, then the case name. */
  begin(kase: Buffer): this {
    this.len = 0;
    return this.bytes(DOMAIN).bytes(kase);
  }

  bytes(b: Uint8Array): this {
    this.room(4 + b.length);
    this.buf.writeUInt32BE(b.length, this.len);
    this.buf.set(b, this.len + 4);
    this.len += 4 + b.length;
    return this;
  }

  /** UTF-8 text (radio, device, format, gateway id). */
  text(s: string): this {
    const n = Buffer.byteLength(s);
    this.room(4 + n);
    this.buf.writeUInt32BE(n, this.len);
    this.buf.write(s, this.len + 4, 'utf8');
    this.len += 4 + n;
    return this;
  }

  /** Hex text as its bytes (a MAC in printed order). */
  hex(s: string): this {
    const n = s.length >>> 1;
    this.room(4 + n);
    this.buf.writeUInt32BE(n, this.len);
    const written = this.buf.write(s, this.len + 4, 'hex');
    this.buf.writeUInt32BE(written, this.len); // Buffer.from(s, 'hex') semantics: stops at bad digits
    this.len += 4 + written;
    return this;
  }

  u32(n: number): this {
    this.room(8);
    this.buf.writeUInt32BE(4, this.len);
    this.buf.writeUInt32BE(n >>> 0, this.len + 4);
    this.len += 8;
    return this;
  }

  u64(n: number | bigint): this {
    this.room(12);
    this.buf.writeUInt32BE(8, this.len);
    this.buf.writeBigUInt64BE(BigInt(n), this.len + 4);
    this.len += 12;
    return this;
  }

  /** The first 16 bytes of SHA-256 over what was written. */
  digest(): Buffer {
    const d = sha256Prefix16(this.buf, this.len);
    // A huge payload must not keep a huge scratch buffer alive.
    if (this.buf.length > 65536) this.buf = Buffer.allocUnsafe(512);
    return d;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

const DOMAIN = Buffer.from('lowband-key-v1');
const CASE = {
  lorawan: Buffer.from('lorawan'),
  join: Buffer.from('lorawan-join'),
  counter: Buffer.from('counter'),
  run: Buffer.from('run'),
  sys: Buffer.from('sys'),
};
const canonical = new Canonical();

/** LoRaWAN data frame: DevAddr (4 bytes, printed MSB-first order), on-air 16-bit FCnt as u32, MIC (4 bytes as on air). */
export function lorawanKey(devaddrMsbFirst: Buffer, fcnt16: number, mic: Buffer): Buffer {
  return canonical.begin(CASE.lorawan).bytes(devaddrMsbFirst).u32(fcnt16 & 0xffff).bytes(mic).digest();
}

/**
 * lorawanKey with DevAddr and MIC as the big-endian numbers of those 4 bytes each: a 4-byte
 * item and a u32 item are the same bytes, so the key is the same, without a Buffer for either.
 */
function lorawanKeyOfNumbers(devaddr: number, fcnt16: number, mic: number): Buffer {
  return canonical.begin(CASE.lorawan).u32(devaddr).u32(fcnt16 & 0xffff).u32(mic).digest();
}

/** LoRaWAN join request: the whole PHYPayload (its MIC and DevNonce make it unique). */
export function lorawanJoinKey(phy: Buffer): Buffer {
  return canonical.begin(CASE.join).bytes(phy).digest();
}

/** BLE format with a measurement counter: MAC (6 bytes, printed order), format, counter (u32), payload. */
export function counterKey(mac: string, fmt: string, counter: number, payload: Buffer): Buffer {
  return canonical.begin(CASE.counter).hex(mac).text(fmt).u32(counter).bytes(payload).digest();
}

/** Anything else: radio, device, payload and the start (µs) of the run of identical payloads. */
export function runKey(radio: RadioKind, device: string, payload: Buffer, runStartUs: number): Buffer {
  return canonical.begin(CASE.run).text(radio).text(device).bytes(payload).u64(runStartUs).digest();
}

/** Gateway events: gateway id and the event's seq. */
export function eventKey(gatewayId: string, seq: bigint): Buffer {
  return canonical.begin(CASE.sys).text(gatewayId).u64(seq).digest();
}

/** Key for a reading whose source says how (the run case needs the run start). */
export function keyFromSource(src: KeySource): Buffer {
  switch (src.kind) {
    case 'lorawan':
      return lorawanKeyOfNumbers(src.devaddr, src.fcnt, src.mic);
    case 'lorawan-join':
      return lorawanJoinKey(src.phy);
    case 'counter':
      return counterKey(src.mac, src.fmt, src.counter, src.payload);
  }
}
