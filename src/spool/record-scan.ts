import { checkRecord, MAGIC, nextCandidate, readRecord, type RecordFormat, type RecordInfo } from './record';

/**
 * Reading a segment file record by record, resynchronising after damage: at bytes that are not
 * a valid record (a flipped bit, a zeroed page, garbage), scan forward for the next record that
 * is valid (magic, lengths, CRC) and follows in seq order, and go on from there. Used at
 * recovery and whenever the spool scans a segment; nothing here writes.
 */

/** Positional read of the file being scanned. */
export type ReadAt = (buf: Buffer, off: number, len: number, pos: number) => number;

/** What a scan found. */
export interface ScanResult {
  format: RecordFormat;
  count: number;
  firstSeq: bigint;
  lastSeq: bigint;
  /** Frame bytes of the valid records. */
  cum: number;
  /** Offset just after the last valid record (what follows is a torn tail or garbage). */
  validEnd: number;
  /** Damaged stretches between valid records, as [from, to) offsets: readers hop over them. */
  skips: [number, number][];
  /** Records lost in those stretches, from the records' indexes (version 1: at least 1 per stretch). */
  lostRecords: number;
  /** Bytes in the damaged stretches, tail excluded. */
  skippedBytes: number;
  /** Records that began in the tail after `validEnd` (version 2: record starts seen there; version 1: 1 if any tail). */
  tailRecords: number;
  /** Why the first damaged stretch was not a record. */
  reason?: string;
}

const WINDOW = 1024 * 1024;
/** A version-1 resync candidate longer than this is not taken: real records are far smaller, and it bounds rereads. */
const V1_RESYNC_MAX = WINDOW - 8;

/** A read-ahead window over a file. */
class FileWindow {
  buf = Buffer.allocUnsafe(WINDOW);
  pos = 0;
  len = 0;

  constructor(
    private readonly readAt: ReadAt,
    readonly size: number,
  ) {}

  /** Make [off, off + n) available (clamped to the file); returns `off` relative to the buffer. */
  ensure(off: number, n: number): number {
    if (off >= this.pos && off + n <= this.pos + this.len) return off - this.pos;
    const want = Math.min(Math.max(n, WINDOW), this.size - off);
    if (this.buf.length < want) this.buf = Buffer.allocUnsafe(want);
    this.pos = off;
    this.len = want > 0 ? this.readAt(this.buf, 0, want, off) : 0;
    return 0;
  }

  get end(): number {
    return this.pos + this.len;
  }
}

/** Record starts (magics) in [from, size), counting up to `max`. */
function countCandidates(win: FileWindow, from: number, size: number, max = Infinity): number {
  let n = 0;
  for (let p = from; p < size && n < max; ) {
    const rel = win.ensure(p, 4);
    const i = nextCandidate(win.buf, rel, win.len, 2);
    if (i >= 0) {
      n++;
      p = win.pos + i + 1;
    } else if (win.end >= size) break;
    else p = Math.max(p + 1, win.end - 3);
  }
  return n;
}

/**
 * A segment is version 1 if it starts with a valid version-1 record, version 2 if it starts
 * with the magic or holds one anywhere (its first record is damaged), else version 1 (an old
 * segment whose first record is damaged: resynchronised without a magic).
 */
function formatOf(win: FileWindow): RecordFormat {
  win.ensure(0, 8);
  if (win.len >= 4 && win.buf.readUInt32BE(0) === MAGIC) return 2;
  const r = readRecord(win.buf, 0, win.len, 1);
  if (r.ok || ('need' in r && r.need <= win.size && readRecord(win.buf, win.ensure(0, r.need), win.len, 1).ok)) return 1;
  return countCandidates(win, 0, win.size, 1) > 0 ? 2 : 1;
}

type Parsed = ({ ok: true } & RecordInfo) | { ok: false; bad: string };

/** Record parsing and resynchronisation over one file window. */
class Scanner {
  constructor(
    readonly win: FileWindow,
    readonly format: RecordFormat,
  ) {}

  parseAt(off: number): Parsed {
    const { win, format } = this;
    let rel = win.ensure(off, 12);
    let r = checkRecord(win.buf, rel, win.len, format);
    if (!r.ok && 'need' in r) {
      if (off + r.need > win.size) return { ok: false, bad: 'partial record' };
      rel = win.ensure(off, r.need);
      r = checkRecord(win.buf, rel, win.len, format);
      if (!r.ok && 'need' in r) return { ok: false, bad: 'short read' };
    }
    return r as Parsed;
  }

  /** Does `r` validly follow a record with `afterSeq` and `afterIndex`? */
  follows(r: Parsed, afterSeq: bigint, afterIndex: number): r is { ok: true } & RecordInfo {
    return r.ok && r.seq > afterSeq && (this.format === 1 || r.index > afterIndex);
  }

  /** The next offset at or after `from` where a valid record following `afterSeq`/`afterIndex` starts, or -1. */
  resync(from: number, afterSeq: bigint, afterIndex: number): number {
    const { win, format } = this;
    for (let p = from; p < win.size; ) {
      const rel = win.ensure(p, 12);
      const i = nextCandidate(win.buf, rel, win.len, format);
      if (i < 0 || win.pos + i + 12 > win.end) {
        if (win.end >= win.size) return -1;
        p = Math.max(p + 1, win.end - 12);
        continue;
      }
      const cand = win.pos + i;
      if (format === 1) {
        const len = win.buf.readUInt32BE(i);
        if (len < 16 || len > Math.min(V1_RESYNC_MAX, win.size - cand - 8)) {
          p = cand + 1;
          continue;
        }
      }
      if (this.follows(this.parseAt(cand), afterSeq, afterIndex)) return cand;
      p = cand + 1;
    }
    return -1;
  }
}

/** A record found by {@link findNextRecord}. */
export interface FoundRecord extends RecordInfo {
  off: number;
}

/**
 * Damage found while reading (after open): the first valid version-2 record at or after `from`
 * that follows `afterSeq`/`afterIndex`, or undefined.
 */
export function findNextRecord(readAt: ReadAt, size: number, from: number, afterSeq: bigint, afterIndex: number): FoundRecord | undefined {
  const sc = new Scanner(new FileWindow(readAt, size), 2);
  const off = sc.resync(from, afterSeq, afterIndex);
  if (off < 0) return undefined;
  const r = sc.parseAt(off);
  return r.ok ? { ...r, off } : undefined;
}

/**
 * Scan `size` bytes of a segment; `each` sees every valid record in order with its offset
 * (return false to stop early). `afterSeq`: records must have a higher seq (the previous
 * segment's last). Frames are never copied.
 */
export function scanRecords(readAt: ReadAt, size: number, afterSeq: bigint, each?: (r: FoundRecord) => boolean): ScanResult {
  const win = new FileWindow(readAt, size);
  const format = formatOf(win);
  const sc = new Scanner(win, format);
  const res: ScanResult = { format, count: 0, firstSeq: 0n, lastSeq: afterSeq, cum: 0, validEnd: 0, skips: [], lostRecords: 0, skippedBytes: 0, tailRecords: 0 };
  let lastIndex = -1;
  let off = 0;
  while (off < size) {
    const r = sc.parseAt(off);
    if (sc.follows(r, res.lastSeq, lastIndex)) {
      if (res.count === 0) res.firstSeq = r.seq;
      res.count++;
      res.lastSeq = r.seq;
      res.cum += r.frameBytes;
      const skipped = format === 2 ? r.index - lastIndex - 1 : 0;
      lastIndex = r.index;
      if (skipped > 0) res.lostRecords += skipped;
      if (each && !each({ ...r, off })) return res;
      off += r.bytes;
      res.validEnd = off;
      continue;
    }
    res.reason ??= r.ok ? 'seq not increasing' : r.bad;
    const next = sc.resync(off + 1, res.lastSeq, lastIndex);
    if (next < 0) {
      // The rest is a torn tail or garbage.
      res.tailRecords = format === 1 ? 1 : Math.max(1, countCandidates(win, off, size));
      break;
    }
    res.skips.push([off, next]);
    res.skippedBytes += next - off;
    // Version 2 counts the gap from the indexes once the next record is read; version 1 cannot know.
    if (format === 1) res.lostRecords++;
    off = next;
  }
  return res;
}
