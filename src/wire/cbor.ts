/**
 * Minimal CBOR (RFC 8949) for the wire body: maps with text keys, text, byte strings,
 * integers, float64, booleans, null and arrays. No tags are ever written, so any consumer's
 * default decoder (Python cbor2, Go fxamacker/cbor) reads it unchanged. The decoder also
 * accepts float16/float32 and indefinite lengths so it can read other producers' bodies.
 */

/** Values the encoder understands. `undefined` members of maps are skipped. */
export type CborValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | CborFloat
  | CborValue[]
  | { [key: string]: CborValue | undefined };

/** A number always written as a float64, even when it is integral (the wire spec's `snr` is a float). */
export class CborFloat {
  constructor(readonly value: number) {}
}

/**
 * Writes one map member by member, for a caller that knows its keys (the body of every
 * reading): no object to build, no walk over its keys. `undefined` values are skipped, as in a
 * map passed to `value`, so both give the same bytes.
 */
export interface CborMapWriter {
  entry(key: string, value: CborValue | undefined): void;
  /** A float64 member, even when integral (see CborFloat); skipped when undefined. */
  float(key: string, value: number | undefined): void;
}

class Writer implements CborMapWriter {
  buf = Buffer.allocUnsafe(256);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  head(major: number, n: number | bigint): void {
    const m = major << 5;
    if (typeof n === 'bigint') {
      if (n < 0x1_0000_0000n) return this.head(major, Number(n));
      this.ensure(9);
      this.buf[this.len] = m | 27;
      this.buf.writeBigUInt64BE(n, this.len + 1);
      this.len += 9;
      return;
    }
    if (n < 24) {
      this.ensure(1);
      this.buf[this.len++] = m | n;
    } else if (n < 0x100) {
      this.ensure(2);
      this.buf[this.len++] = m | 24;
      this.buf[this.len++] = n;
    } else if (n < 0x10000) {
      this.ensure(3);
      this.buf[this.len] = m | 25;
      this.buf.writeUInt16BE(n, this.len + 1);
      this.len += 3;
    } else if (n < 0x1_0000_0000) {
      this.ensure(5);
      this.buf[this.len] = m | 26;
      this.buf.writeUInt32BE(n, this.len + 1);
      this.len += 5;
    } else {
      this.head(major, BigInt(n));
    }
  }
  /**
   * A text string. Short ASCII strings (every map key, most values) are copied byte by byte:
   * cheaper than a native UTF-8 write for a few characters; anything else goes through
   * Buffer.write.
   */
  text(v: string): void {
    const n = v.length;
    if (n < 64) {
      this.ensure(n + 2);
      const start = this.len;
      this.head(3, n);
      let i = 0;
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        this.buf[this.len + i] = c;
      }
      if (i === n) {
        this.len += n;
        return;
      }
      this.len = start; // not ASCII: start over the long way
    }
    const bytes = Buffer.byteLength(v);
    this.head(3, bytes);
    this.ensure(bytes);
    this.len += this.buf.write(v, this.len, 'utf8');
  }

  private mapStart = 0;
  private mapCount = 0;

  /** Starts a map written with entry()/float(); endMap() writes its real length. Not nested. */
  beginMap(): void {
    this.ensure(1);
    this.mapStart = this.len++;
    this.mapCount = 0;
  }

  entry(key: string, value: CborValue | undefined): void {
    if (value === undefined) return;
    this.text(key);
    this.value(value);
    this.mapCount++;
  }

  float(key: string, value: number | undefined): void {
    if (value === undefined) return;
    this.text(key);
    this.double(value);
    this.mapCount++;
  }

  endMap(): void {
    const n = this.mapCount;
    if (n < 24) {
      this.buf[this.mapStart] = 0xa0 | n;
      return;
    }
    // A longer head than the one byte kept for it: move the members up to make room.
    const members = this.buf.subarray(this.mapStart + 1, this.len);
    const saved = Buffer.from(members);
    this.len = this.mapStart;
    this.head(5, n);
    this.ensure(saved.length);
    saved.copy(this.buf, this.len);
    this.len += saved.length;
  }

  private double(v: number): void {
    this.ensure(9);
    this.buf[this.len] = 0xfb;
    this.buf.writeDoubleBE(v, this.len + 1);
    this.len += 9;
  }

  value(v: CborValue): void {
    switch (typeof v) {
      case 'boolean':
        this.ensure(1);
        this.buf[this.len++] = v ? 0xf5 : 0xf4;
        return;
      case 'number':
        if (Number.isSafeInteger(v)) {
          if (v >= 0) this.head(0, v);
          else this.head(1, -1 - v);
        } else {
          this.double(v);
        }
        return;
      case 'bigint':
        if (v >= 0n) this.head(0, v);
        else this.head(1, -1n - v);
        return;
      case 'string':
        this.text(v);
        return;
      case 'object':
        if (v === null) {
          this.ensure(1);
          this.buf[this.len++] = 0xf6;
        } else if (v instanceof Uint8Array) {
          this.head(2, v.length);
          this.ensure(v.length);
          this.buf.set(v, this.len);
          this.len += v.length;
        } else if (v instanceof CborFloat) {
          this.double(v.value);
        } else if (Array.isArray(v)) {
          this.head(4, v.length);
          for (const item of v) this.value(item);
        } else {
          // Two passes over the members instead of a filtered key array: no allocation per map.
          let n = 0;
          for (const k in v) if (v[k] !== undefined) n++;
          this.head(5, n);
          for (const k in v) {
            const item = v[k];
            if (item === undefined) continue;
            this.text(k);
            this.value(item);
          }
        }
        return;
      default:
        throw new TypeError(`cannot encode ${typeof v} as CBOR`);
    }
  }
}

/** Encode one value. */
export function encodeCbor(v: CborValue): Buffer {
  const w = encodeScratch(v);
  const out = Buffer.allocUnsafe(w.len);
  w.buf.copy(out, 0, 0, w.len);
  releaseScratch();
  return out;
}

/**
 * Encodes into the one scratch writer (encoding is synchronous and never re-entered) and leaves
 * the bytes there: `bytes.subarray(0, len)` is valid until the next encode, so a caller can copy
 * them where it wants them (the wire encoder copies them next to the header). Call
 * releaseScratch() once they are copied.
 */
export function encodeScratch(v: CborValue): { buf: Buffer; len: number } {
  const w = scratch;
  w.len = 0;
  w.value(v);
  return w;
}

/** Like encodeScratch, for a map written member by member by `write`. */
export function encodeMapScratch(write: (m: CborMapWriter) => void): { buf: Buffer; len: number } {
  const w = scratch;
  w.len = 0;
  w.beginMap();
  write(w);
  w.endMap();
  return w;
}

/** A huge value must not keep a huge scratch buffer alive. */
export function releaseScratch(): void {
  if (scratch.buf.length > 65536) scratch.buf = Buffer.allocUnsafe(256);
}

const scratch = new Writer();

/** Malformed CBOR input. */
export class CborError extends Error {}

const MAX_DEPTH = 32;

/** Decode exactly one value spanning the whole buffer. Byte strings come back as Buffer. */
export function decodeCbor(data: Buffer): unknown {
  const d = new Decoder(data);
  const v = d.item(0);
  if (d.pos !== data.length) throw new CborError('trailing bytes after CBOR value');
  return v;
}

/**
 * One decode's state. A class, not closures made per call: the MQTT sink and the collector
 * decode every message, and the closures (one more per map) were a fifth of the MQTT sink's
 * work per message.
 */
class Decoder {
  pos = 0;

  constructor(private readonly data: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.data.length) throw new CborError('truncated CBOR');
  }

  private arg(info: number): number | bigint {
    const data = this.data;
    if (info < 24) return info;
    if (info === 24) { this.need(1); return data[this.pos++]; }
    if (info === 25) { this.need(2); const v = data.readUInt16BE(this.pos); this.pos += 2; return v; }
    if (info === 26) { this.need(4); const v = data.readUInt32BE(this.pos); this.pos += 4; return v; }
    if (info === 27) {
      this.need(8);
      const v = data.readBigUInt64BE(this.pos);
      this.pos += 8;
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    throw new CborError(`unsupported additional info ${info}`);
  }

  private len(info: number): number {
    const n = this.arg(info);
    if (typeof n === 'bigint' || n > this.data.length) throw new CborError('length beyond input');
    return n;
  }

  item(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new CborError('nesting too deep');
    this.need(1);
    const data = this.data;
    const ib = data[this.pos++];
    const major = ib >> 5;
    const info = ib & 31;
    switch (major) {
      case 0: return this.arg(info);
      case 1: { const n = this.arg(info); return typeof n === 'bigint' ? -1n - n : -1 - n; }
      case 2:
      case 3: {
        if (info === 31) {
          const parts: Buffer[] = [];
          for (;;) {
            this.need(1);
            if (data[this.pos] === 0xff) { this.pos++; break; }
            const p = this.item(depth + 1);
            parts.push(typeof p === 'string' ? Buffer.from(p) : (p as Buffer));
          }
          const chunk = Buffer.concat(parts);
          return major === 2 ? chunk : chunk.toString('utf8');
        }
        const n = this.len(info);
        this.need(n);
        const at = this.pos;
        this.pos += n;
        // Text straight from the input (no view made first); bytes as a copy the caller may keep.
        return major === 2 ? Buffer.from(data.subarray(at, at + n)) : data.toString('utf8', at, at + n);
      }
      case 4: {
        const out: unknown[] = [];
        if (info === 31) {
          for (;;) { this.need(1); if (data[this.pos] === 0xff) { this.pos++; break; } out.push(this.item(depth + 1)); }
        } else {
          const n = this.len(info);
          for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        }
        return out;
      }
      case 5: {
        const out: Record<string, unknown> = {};
        if (info === 31) {
          for (;;) { this.need(1); if (data[this.pos] === 0xff) { this.pos++; break; } this.entry(out, depth); }
        } else {
          const n = this.len(info);
          for (let i = 0; i < n; i++) this.entry(out, depth);
        }
        return out;
      }
      case 6: this.arg(info); return this.item(depth + 1); // tags: keep the tagged value
      case 7:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22 || info === 23) return null;
        if (info === 25) { this.need(2); const v = halfToFloat(data.readUInt16BE(this.pos)); this.pos += 2; return v; }
        if (info === 26) { this.need(4); const v = data.readFloatBE(this.pos); this.pos += 4; return v; }
        if (info === 27) { this.need(8); const v = data.readDoubleBE(this.pos); this.pos += 8; return v; }
        throw new CborError(`unsupported simple value ${info}`);
      default:
        throw new CborError('bad major type');
    }
  }

  private entry(out: Record<string, unknown>, depth: number): void {
    const k = this.item(depth + 1);
    if (typeof k !== 'string' && typeof k !== 'number') throw new CborError('map key is not text');
    out[String(k)] = this.item(depth + 1);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
