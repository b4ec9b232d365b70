import zlib from 'node:zlib';
import type { LogEntry } from '../pipeline/message-log';

/**
 * On-disk record: `u32 payloadLen | u32 crc32(payload) | payload`, payload =
 * `u64 seq | u16 topicLen | topic | u16 headerLen | header | u32 bodyLen | body`, all big-endian.
 * The length comes first so a reader can skip; the CRC covers everything after it so a torn
 * or overwritten tail is recognised.
 */
export const RECORD_HEAD = 8;
const PAYLOAD_FIXED = 8 + 2 + 2 + 4;
/** Larger than any message the gateway makes; anything bigger is garbage. */
export const MAX_PAYLOAD = 16 * 1024 * 1024;

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

/** Bytes the record for `e` occupies on disk. */
export function recordBytes(e: LogEntry): number {
  return RECORD_HEAD + PAYLOAD_FIXED + e.frames[0].length + e.frames[1].length + e.frames[2].length;
}

/** Encode one entry as a record. Frames longer than their length field are a caller bug. */
export function encodeRecord(e: LogEntry): Buffer {
  const [t, h, b] = e.frames;
  if (t.length > 0xffff || h.length > 0xffff) throw new RangeError('topic/header frame too long for a spool record');
  const total = recordBytes(e);
  const r = Buffer.allocUnsafe(total);
  r.writeUInt32BE(total - RECORD_HEAD, 0);
  let o = RECORD_HEAD;
  r.writeBigUInt64BE(e.seq, o);
  o += 8;
  r.writeUInt16BE(t.length, o);
  o += 2;
  o += t.copy(r, o);
  r.writeUInt16BE(h.length, o);
  o += 2;
  o += h.copy(r, o);
  r.writeUInt32BE(b.length, o);
  o += 4;
  b.copy(r, o);
  r.writeUInt32BE(crc32(r.subarray(RECORD_HEAD)), 4);
  return r;
}

/** Outcome of reading a record at some offset of a buffer. */
export type RecordRead =
  | { ok: true; entry: LogEntry; bytes: number }
  /** Not enough bytes in the buffer (caller may read more, or it is a torn tail). */
  | { ok: false; need: number }
  /** Bytes there but not a valid record: corruption. */
  | { ok: false; bad: string };

/**
 * Parse the record starting at `off`. Frames are copied out so `buf` can be reused.
 * `verify` checks the CRC (always at recovery; cheap enough to keep on for reads too).
 */
export function readRecord(buf: Buffer, off: number, end: number, verify = true): RecordRead {
  if (end - off < RECORD_HEAD) return { ok: false, need: RECORD_HEAD };
  const len = buf.readUInt32BE(off);
  if (len < PAYLOAD_FIXED || len > MAX_PAYLOAD) return { ok: false, bad: `implausible length ${len}` };
  if (end - off < RECORD_HEAD + len) return { ok: false, need: RECORD_HEAD + len };
  const p = off + RECORD_HEAD;
  const payload = buf.subarray(p, p + len);
  if (verify && crc32(payload) !== buf.readUInt32BE(off + 4)) return { ok: false, bad: 'crc mismatch' };
  let o = 8;
  const seq = payload.readBigUInt64BE(0);
  const tl = payload.readUInt16BE(o);
  o += 2;
  if (o + tl + 2 > len) return { ok: false, bad: 'frame lengths exceed record' };
  const topic = Buffer.from(payload.subarray(o, o + tl));
  o += tl;
  const hl = payload.readUInt16BE(o);
  o += 2;
  if (o + hl + 4 > len) return { ok: false, bad: 'frame lengths exceed record' };
  const header = Buffer.from(payload.subarray(o, o + hl));
  o += hl;
  const bl = payload.readUInt32BE(o);
  o += 4;
  if (o + bl !== len) return { ok: false, bad: 'frame lengths do not match record' };
  const body = Buffer.from(payload.subarray(o, o + bl));
  return { ok: true, entry: { seq, frames: [topic, header, body] }, bytes: RECORD_HEAD + len };
}
