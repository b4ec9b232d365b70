import { decodeCbor, encodeMapScratch, encodeScratch, releaseScratch, type CborMapWriter, type CborValue } from './cbor';

/** Header layout version (wire spec section 1). */
export const WIRE_VERSION = 1;
export const HEADER_BYTES = 36;
export const MAX_TOPIC_BYTES = 64;

export const Kind = { reading: 1, event: 2 } as const;
export const RadioCode = { sys: 0, lora: 1, ble: 2 } as const;
export type RadioName = keyof typeof RadioCode;

/** Header flag bits. */
export const Flag = { decoded: 1, authenticated: 2, redelivery: 4 } as const;

/** One wire message, decoded. */
export interface WireMessage {
  topic: string;
  kind: number;
  radio: number;
  flags: number;
  seq: bigint;
  /** Receive time, µs since the Unix epoch. */
  timeUs: bigint;
  key: Buffer;
  body: Record<string, unknown>;
}

/** A frame set that does not follow the wire protocol. */
export class WireError extends Error {}

/** Encode the fixed 36-byte header. */
export function encodeHeader(kind: number, radio: number, flags: number, seq: bigint, timeUs: number | bigint, key: Buffer): Buffer {
  if (key.length !== 16) throw new WireError('key must be 16 bytes');
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  writeHeader(h, 0, kind, radio, flags, seq, timeUs, key);
  return h;
}

const MAX_SAFE_SEQ = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A non-negative safe integer as 8 big-endian bytes, in two 32-bit halves: writeBigUInt64BE
 * splits a BigInt with two more BigInt operations per call (seq and time, every message; ~2 %
 * of the UDP path's pipeline in the profile).
 */
function writeU64(h: Buffer, at: number, v: number): void {
  h.writeUInt32BE(Math.floor(v / 0x1_0000_0000), at);
  h.writeUInt32BE(v >>> 0, at + 4);
}

function writeHeader(h: Buffer, at: number, kind: number, radio: number, flags: number, seq: bigint, timeUs: number | bigint, key: Buffer): void {
  h[at] = WIRE_VERSION;
  h[at + 1] = kind;
  h[at + 2] = radio;
  h[at + 3] = flags;
  if (seq >= 0n && seq <= MAX_SAFE_SEQ) writeU64(h, at + 4, Number(seq));
  else h.writeBigUInt64BE(seq, at + 4);
  if (typeof timeUs === 'number' && Number.isSafeInteger(timeUs) && timeUs >= 0) writeU64(h, at + 12, timeUs);
  else h.writeBigUInt64BE(BigInt(timeUs), at + 12);
  // 16 bytes: a loop, not Buffer.copy (which makes a typed-array view per call).
  for (let i = 0; i < 16; i++) h[at + 20 + i] = key[i];
}

/**
 * Memory for the frames of messages, carved from 64 KiB slabs that hold nothing else. Messages
 * are kept (memory log, spool RAM tail) and let go roughly in seq order, so a slab is freed
 * soon after its last message. From Node's shared 8 KiB pool instead, every kept frame pinned
 * a whole pool chunk full of short-lived buffers (base64 decodes, scratch copies): with all
 * sinks at 1,000 readings/s, 21 MB of ArrayBuffers held ~4 MB of messages.
 */
class FrameSlab {
  private static readonly SIZE = 64 * 1024;
  /** Where take() put the last message: `buf` from `at`. */
  buf = Buffer.allocUnsafeSlow(FrameSlab.SIZE);
  at = 0;
  private used = 0;

  /** Room for a message of n bytes at `buf`/`at` (the frames are views of it, no view of the whole). */
  take(n: number): void {
    if (n > FrameSlab.SIZE / 8) {
      this.buf = Buffer.allocUnsafeSlow(n);
      this.at = 0;
      // The next small message starts a fresh slab.
      this.used = FrameSlab.SIZE;
      return;
    }
    if (this.used + n > FrameSlab.SIZE) {
      this.buf = Buffer.allocUnsafeSlow(FrameSlab.SIZE);
      this.used = 0;
    }
    this.at = this.used;
    // 8-byte alignment keeps every message's bytes apart from its neighbour's words.
    this.used += (n + 7) & ~7;
  }
}

const frameSlab = new FrameSlab();

/**
 * Encode the three frames of one message: one allocation, three views of it. The body is a map,
 * or a function that writes the map's members (the same bytes without building the object).
 */
export function encodeFrames(
  topic: string,
  kind: number,
  radio: number,
  flags: number,
  seq: bigint,
  timeUs: number | bigint,
  key: Buffer,
  body: { [k: string]: CborValue | undefined } | ((m: CborMapWriter) => void),
): [Buffer, Buffer, Buffer] {
  // Topics are ASCII; like Buffer.from(topic, 'ascii'), each character is one byte.
  const tlen = topic.length;
  if (tlen === 0 || tlen > MAX_TOPIC_BYTES) throw new WireError(`topic must be 1..${MAX_TOPIC_BYTES} bytes`);
  if (key.length !== 16) throw new WireError('key must be 16 bytes');
  const cbor = typeof body === 'function' ? encodeMapScratch(body) : encodeScratch(body);
  const blen = cbor.len;
  frameSlab.take(tlen + HEADER_BYTES + blen);
  const m = frameSlab.buf;
  const at = frameSlab.at;
  for (let i = 0; i < tlen; i++) m[at + i] = topic.charCodeAt(i) & 0xff;
  writeHeader(m, at + tlen, kind, radio, flags, seq, timeUs, key);
  m.set(cbor.buf.subarray(0, blen), at + tlen + HEADER_BYTES);
  releaseScratch();
  const h = at + tlen;
  const b = h + HEADER_BYTES;
  return [m.subarray(at, h), m.subarray(h, b), m.subarray(b, b + blen)];
}

/** Decode and check the three frames. */
export function decodeFrames(frames: readonly Buffer[]): WireMessage {
  if (frames.length !== 3) throw new WireError(`expected 3 frames, got ${frames.length}`);
  const [t, h, b] = frames;
  if (t.length === 0 || t.length > MAX_TOPIC_BYTES) throw new WireError('bad topic length');
  if (h.length !== HEADER_BYTES) throw new WireError(`header must be ${HEADER_BYTES} bytes, got ${h.length}`);
  if (h[0] !== WIRE_VERSION) throw new WireError(`unsupported header version ${h[0]}`);
  let body: unknown;
  try {
    body = decodeCbor(b);
  } catch (err) {
    throw new WireError(`bad CBOR body: ${(err as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new WireError('body is not a map');
  return {
    topic: t.toString('ascii'),
    kind: h[1],
    radio: h[2],
    flags: h[3],
    seq: h.readBigUInt64BE(4),
    timeUs: h.readBigUInt64BE(12),
    key: Buffer.from(h.subarray(20, 36)),
    body: body as Record<string, unknown>,
  };
}

/** A copy of a header with the redelivery flag set (frames are shared, never mutated). */
export function withRedelivery(header: Buffer): Buffer {
  const h = Buffer.from(header);
  h[3] |= Flag.redelivery;
  return h;
}

/** Seq of an encoded header without decoding the rest. */
export function headerSeq(header: Buffer): bigint {
  return header.readBigUInt64BE(4);
}
