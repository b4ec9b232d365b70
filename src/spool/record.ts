import zlib from 'node:zlib';
import type { LogEntry } from '../pipeline/message-log';

/**
 * On-disk records. Version 2 (written since the resynchronising recovery):
 * `u32 magic | u32 crc32(len ‖ payload) | u32 len | payload`, payload =
 * `u32 index | u64 seq | u16 topicLen | topic | u16 headerLen | header | u32 bodyLen | body`,
 * all big-endian. The magic lets recovery find the next record after damaged bytes, the CRC
 * (over the length too) tells a real record from a chance match, and `index` (the record's
 * position in its segment) says exactly how many records a damaged stretch held.
 *
 * Version 1 (older spools, still read): `u32 len | u32 crc32(payload) | payload` with the same
 * payload minus `index`. Its first byte is always 0 (len < 16 MiB), never the magic's.
 */
export type RecordFormat = 1 | 2;

export const MAGIC = 0xd71b5202;
export const MAGIC_BYTES = Buffer.from([0xd7, 0x1b, 0x52, 0x02]);
const HEAD = { 1: 8, 2: 12 } as const;
/** Payload bytes besides the three frames. */
const FIXED = { 1: 8 + 2 + 2 + 4, 2: 4 + 8 + 2 + 2 + 4 } as const;
/** Larger than any message the gateway makes; anything bigger is garbage. */
export const MAX_PAYLOAD = 16 * 1024 * 1024;
/** Bytes a version-2 record adds to its frames. */
export const RECORD_OVERHEAD = HEAD[2] + FIXED[2];

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32Table(buf: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const native = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE): zlib's native one where Node has it (20.15+), a table otherwise. */
export const crc32: (buf: Uint8Array) => number = native ? (b) => native(b) >>> 0 : crc32Table;

/** Bytes the (version 2) record for `e` occupies on disk. */
export function recordBytes(e: LogEntry): number {
  return RECORD_OVERHEAD + e.frames[0].length + e.frames[1].length + e.frames[2].length;
}

/** Throws when `e` cannot be stored (frames longer than their length field: a caller bug). */
export function checkEncodable(e: LogEntry): void {
  if (e.frames[0].length > 0xffff || e.frames[1].length > 0xffff) throw new RangeError('topic/header frame too long for a spool record');
  if (recordBytes(e) - HEAD[2] > MAX_PAYLOAD) throw new RangeError('message too large for a spool record');
}

/** Encode `e` as the `index`-th record of its segment into `buf` at `off`; returns the bytes written. */
export function encodeRecordInto(buf: Buffer, off: number, e: LogEntry, index: number): number {
  const [t, h, b] = e.frames;
  const total = recordBytes(e);
  buf.writeUInt32BE(MAGIC, off);
  buf.writeUInt32BE(total - HEAD[2], off + 8);
  let o = off + HEAD[2];
  buf.writeUInt32BE(index, o);
  buf.writeBigUInt64BE(e.seq, o + 4);
  o += 12;
  buf.writeUInt16BE(t.length, o);
  o += 2 + t.copy(buf, o + 2);
  buf.writeUInt16BE(h.length, o);
  o += 2 + h.copy(buf, o + 2);
  buf.writeUInt32BE(b.length, o);
  b.copy(buf, o + 4);
  buf.writeUInt32BE(crc32(buf.subarray(off + 8, off + total)), off + 4);
  return total;
}

/** Encode one entry as a standalone (version 2) record. */
export function encodeRecord(e: LogEntry, index = 0): Buffer {
  checkEncodable(e);
  const r = Buffer.allocUnsafe(recordBytes(e));
  encodeRecordInto(r, 0, e, index);
  return r;
}

/** A valid record's place and size, found without copying its frames. */
export interface RecordInfo {
  seq: bigint;
  /** Position in its segment (version 2; -1 for version 1). */
  index: number;
  /** Bytes on disk. */
  bytes: number;
  /** Frame bytes (what entryBytes() would say). */
  frameBytes: number;
}

/** Outcome of checking a record at some offset of a buffer. */
export type RecordCheck =
  | ({ ok: true } & RecordInfo)
  /** Not enough bytes in the buffer (caller may read more, or it is a torn tail). */
  | { ok: false; need: number }
  /** Bytes there but not a valid record: corruption. */
  | { ok: false; bad: string };

/** Outcome of reading a record at some offset of a buffer. */
export type RecordRead = { ok: true; entry: LogEntry; bytes: number; index: number } | Exclude<RecordCheck, { ok: true }>;

/** Offset of the next possible record start at or after `from` (the magic for version 2, any byte for version 1), or -1. */
export function nextCandidate(buf: Buffer, from: number, end: number, format: RecordFormat): number {
  if (format === 1) return from < end ? from : -1;
  return buf.subarray(0, end).indexOf(MAGIC_BYTES, from);
}

/**
 * Validate the record starting at `off`: magic, lengths, CRC. The frame lengths are checked
 * before the CRC, so a scan over garbage rejects most offsets cheaply.
 */
export function checkRecord(buf: Buffer, off: number, end: number, format: RecordFormat = 2): RecordCheck {
  const head = HEAD[format];
  if (end - off < head) return { ok: false, need: head };
  if (format === 2 && buf.readUInt32BE(off) !== MAGIC) return { ok: false, bad: 'no record magic' };
  const len = buf.readUInt32BE(format === 2 ? off + 8 : off);
  if (len < FIXED[format] || len > MAX_PAYLOAD) return { ok: false, bad: `implausible length ${len}` };
  if (end - off < head + len) return { ok: false, need: head + len };
  const p = off + head;
  const o = p + (format === 2 ? 12 : 8);
  const tl = buf.readUInt16BE(o);
  if (o - p + 2 + tl + 2 > len) return { ok: false, bad: 'frame lengths exceed record' };
  const hl = buf.readUInt16BE(o + 2 + tl);
  if (o - p + 4 + tl + hl + 4 > len) return { ok: false, bad: 'frame lengths exceed record' };
  const bl = buf.readUInt32BE(o + 4 + tl + hl);
  if (o - p + 8 + tl + hl + bl !== len) return { ok: false, bad: 'frame lengths do not match record' };
  const crc = crc32(buf.subarray(format === 2 ? off + 8 : p, p + len));
  if (crc !== buf.readUInt32BE(off + 4)) return { ok: false, bad: 'crc mismatch' };
  const index = format === 2 ? buf.readUInt32BE(p) : -1;
  const seq = buf.readBigUInt64BE(format === 2 ? p + 4 : p);
  return { ok: true, seq, index, bytes: head + len, frameBytes: tl + hl + bl };
}

/** Parse the record starting at `off`. Frames are copied out so `buf` can be reused. */
export function readRecord(buf: Buffer, off: number, end: number, format: RecordFormat = 2): RecordRead {
  const r = checkRecord(buf, off, end, format);
  if (!r.ok) return r;
  let o = off + HEAD[format] + (format === 2 ? 12 : 8);
  const tl = buf.readUInt16BE(o);
  const topic = Buffer.from(buf.subarray(o + 2, o + 2 + tl));
  o += 2 + tl;
  const hl = buf.readUInt16BE(o);
  const header = Buffer.from(buf.subarray(o + 2, o + 2 + hl));
  o += 2 + hl;
  const bl = buf.readUInt32BE(o);
  const body = Buffer.from(buf.subarray(o + 4, o + 4 + bl));
  return { ok: true, entry: { seq: r.seq, frames: [topic, header, body] }, bytes: r.bytes, index: r.index };
}
