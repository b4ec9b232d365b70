import { decodeCbor, encodeCbor, type CborValue } from './cbor';

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
  h[0] = WIRE_VERSION;
  h[1] = kind;
  h[2] = radio;
  h[3] = flags;
  h.writeBigUInt64BE(seq, 4);
  h.writeBigUInt64BE(BigInt(timeUs), 12);
  key.copy(h, 20);
  return h;
}

/** Encode the three frames of one message. */
export function encodeFrames(
  topic: string,
  kind: number,
  radio: number,
  flags: number,
  seq: bigint,
  timeUs: number | bigint,
  key: Buffer,
  body: { [k: string]: CborValue | undefined },
): [Buffer, Buffer, Buffer] {
  const t = Buffer.from(topic, 'ascii');
  if (t.length === 0 || t.length > MAX_TOPIC_BYTES) throw new WireError(`topic must be 1..${MAX_TOPIC_BYTES} bytes`);
  return [t, encodeHeader(kind, radio, flags, seq, timeUs, key), encodeCbor(body)];
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
