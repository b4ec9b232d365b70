import path from 'node:path';
import type { Logger } from '../util/log';
import { errCode, type SpoolFiles } from './files';
import { checkRecord, MAGIC_BYTES, RECORD_OVERHEAD, type RecordFormat } from './record';
import { findNextRecord, scanRecords, type FoundRecord } from './record-scan';

/**
 * The segment files of the spool: recovery at open, appending whole records, fdatasync, reading
 * and deleting. Knows nothing of cursors or retention: the spool decides what to write and
 * delete, this module does the file work and keeps each segment's bookkeeping right.
 */

/** One segment file: its records' seqs, ordinals and frame-byte totals, and its open fds. */
export interface Segment {
  file: string;
  /** Record format (1: written before resynchronising records; never appended to). */
  format: RecordFormat;
  /** Damaged stretches [from, to) found at recovery, which readers hop over. */
  skips?: [number, number][];
  /** Damage found while reading (indexed segments): offset → where the next valid record is and its index. */
  holes?: Map<number, { to: number; index: number }>;
  firstSeq: bigint;
  lastSeq: bigint;
  /** Ordinal (position in this run's numbering) of the first record; ordinals inside a segment are contiguous. */
  firstOrd: number;
  count: number;
  /** Frame bytes before the first record, in the same running total as the cache's. */
  firstCum: number;
  cumBytes: number;
  fileBytes: number;
  readFd?: number;
  writeFd?: number;
  /** A failed write or sync may have left a torn tail: never append to it again. */
  sealed?: boolean;
  /** Written since its last fdatasync started. */
  dirty?: boolean;
  syncing?: boolean;
  resync?: boolean;
  closeAfterSync?: boolean;
}

/**
 * Are the segment's ordinals its records' indexes (version 2, no damage found at recovery)?
 * Then a record found after damage seen only while reading still has its own ordinal.
 */
export function indexedOrdinals(seg: Segment): boolean {
  return seg.format === 2 && !seg.skips;
}

/** Where numbering stands after the segments recovered so far. */
export interface LogEnd {
  ord: number;
  cum: number;
  seq: bigint;
}

/** Damage found in a segment file: the records known lost and the bytes skipped. */
export interface Damage {
  file: string;
  records: number;
  bytes: number;
}

const SEGMENT_RE = /^(\d{20})\.seg$/;
/** Bytes read at the start and the end of an older segment for the fast start (records are far smaller). */
const QUICK_HEAD = 4096;
const QUICK_TAIL = 16 * 1024;

function segName(seq: bigint): string {
  return `${seq.toString().padStart(20, '0')}.seg`;
}

/** The ordered list of segment files in `dir` and the I/O on them. */
export class SegmentStore {
  /** Oldest first; the last one is the one appended to. */
  readonly list: Segment[] = [];
  /** Bytes in all segment files. */
  bytes = 0;
  /** Segment files recovery could not read (name and error): left on disk, skipped this run. */
  readonly unreadable: string[] = [];
  private syncsInFlight = 0;
  private syncDone: (() => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly files: SpoolFiles,
    private readonly log: Logger,
    /** fdatasync failed on `seg`: the owner decides what that means for the spool's mode. */
    private readonly onSyncError: (seg: Segment, err: Error) => void,
    /** Damage found at recovery or while reading, reported once per stretch. */
    private readonly onDamage: (d: Damage) => void,
  ) {}


  /** Recover every segment file (truncating a torn tail); returns where numbering continues. Throws if the dir is unusable. */
  recover(): LogEnd {
    this.files.mkdirp(this.dir);
    const names = this.files
      .list(this.dir)
      .filter((n) => SEGMENT_RE.test(n))
      .sort();
    let end: LogEnd = { ord: 0, cum: 0, seq: 0n };
    for (const [i, name] of names.entries()) {
      const file = path.join(this.dir, name);
      let seg: Segment | undefined;
      try {
        // Only the newest segment can have a torn tail: the others are checked by their first and last record.
        seg = (i < names.length - 1 && this.quickOpen(file, end)) || this.recoverSegment(file, end);
      } catch (err) {
        // One unreadable file (EIO on a bad sector, EACCES) must not cost the others, nor leave
        // the list and the numbering out of step: it stays on disk, untouched, for the next start.
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        this.unreadable.push(`${name} (${code})`);
        this.log.error({ file: name, err: code }, 'spool: segment unreadable at start, left on disk and skipped this run');
        continue;
      }
      if (!seg) continue;
      end = { ord: seg.firstOrd + seg.count, cum: seg.firstCum + seg.cumBytes, seq: seg.lastSeq };
      this.list.push(seg);
      this.bytes += seg.fileBytes;
    }
    return end;
  }

  get length(): number {
    return this.list.length;
  }

  first(): Segment | undefined {
    return this.list[0];
  }

  last(): Segment | undefined {
    return this.list[this.list.length - 1];
  }

  has(seg: Segment): boolean {
    return this.list.includes(seg);
  }

  /** The segment holding ordinal `o`, or the first one after it (`o` fell in a gap), or undefined past the last. */
  find(o: number): Segment | undefined {
    for (const seg of this.list) if (seg.firstOrd + seg.count > o) return seg;
    return undefined;
  }

  /**
   * Can the record at ordinal `o` go into the active segment, after `records` records of
   * `bytes` (its own included) still being batched for it, without passing `limit`?
   */
  fits(o: number, records: number, bytes: number, limit: number): boolean {
    const seg = this.last();
    if (!seg || seg.sealed || seg.writeFd === undefined || seg.firstOrd + seg.count + records !== o) return false;
    return seg.fileBytes + bytes <= limit || seg.count + records === 0;
  }

  /** Start a new segment whose first record is `first`; the previous one is synced and closed. Throws on I/O errors. */
  create(first: { seq: bigint; ord: number; cum: number }): Segment {
    const file = path.join(this.dir, segName(first.seq));
    const empty = this.last();
    if (empty && empty.count === 0 && empty.file === file) {
      // Its first write failed (sealed, nothing in it): the retry reuses the file, so the old
      // entry leaves the list. Kept, it would later be "deleted" and unlink the live file.
      this.list.pop();
      this.bytes -= empty.fileBytes;
      this.release(empty);
    }
    const prev = this.last();
    let fd: number | undefined;
    try {
      this.files.mkdirp(this.dir);
      fd = this.files.openRw(file);
      if (this.files.size(fd) > 0) this.files.truncate(fd, 0);
      this.files.syncDir(this.dir);
    } catch (err) {
      if (fd !== undefined) {
        try {
          this.files.close(fd);
        } catch {
          // nothing more to do
        }
      }
      throw err;
    }
    if (prev && prev.writeFd !== undefined) {
      prev.closeAfterSync = true;
      this.sync(prev);
    }
    const seg: Segment = {
      file, format: 2, firstSeq: first.seq, lastSeq: first.seq, firstOrd: first.ord, count: 0,
      firstCum: first.cum, cumBytes: 0, fileBytes: 0, writeFd: fd,
    };
    this.list.push(seg);
    return seg;
  }

  /**
   * Append encoded records to the active segment. On an error the partial write is cut back so
   * the segment still ends on a whole record (if even that fails it is sealed) and the error is
   * rethrown.
   */
  write(data: Buffer, records: number, lastSeq: bigint, frameBytes: number): void {
    const seg = this.last()!;
    let done = 0;
    try {
      while (done < data.length) done += this.files.write(seg.writeFd!, data, done, data.length - done, seg.fileBytes + done);
    } catch (err) {
      try {
        this.files.truncate(seg.writeFd!, seg.fileBytes);
      } catch {
        seg.sealed = true;
      }
      throw err;
    }
    seg.fileBytes += data.length;
    seg.dirty = true;
    this.bytes += data.length;
    seg.count += records;
    seg.lastSeq = lastSeq;
    seg.cumBytes += frameBytes;
  }

  /** fdatasync `seg` in the thread pool; a sync already running is followed by one more. */
  sync(seg: Segment): void {
    if (seg.writeFd === undefined) return;
    if (seg.syncing) {
      seg.resync = true;
      return;
    }
    seg.syncing = true;
    seg.dirty = false;
    this.syncsInFlight++;
    this.files.fdatasync(seg.writeFd, (err) => {
      seg.syncing = false;
      this.syncsInFlight--;
      if (err) {
        // The disk may have dropped what the page cache held: never append to this segment again.
        seg.sealed = true;
        this.onSyncError(seg, err);
      }
      if (seg.resync && seg.writeFd !== undefined) {
        seg.resync = false;
        this.sync(seg);
      } else if (seg.closeAfterSync && seg.writeFd !== undefined) {
        this.files.close(seg.writeFd);
        seg.writeFd = undefined;
      }
      if (this.syncsInFlight === 0) for (const r of this.syncDone.splice(0)) r();
    });
  }

  /** fdatasync every segment written since its last sync (the group commit). */
  syncDirty(): void {
    for (const seg of this.list) if (seg.dirty) this.sync(seg);
  }

  /** Remove the oldest segment file; returns it (its bookkeeping says what was in it). */
  deleteOldest(): Segment {
    const seg = this.list.shift()!;
    this.bytes -= seg.fileBytes;
    this.release(seg);
    try {
      this.files.unlink(seg.file);
    } catch (err) {
      this.log.error({ err: errCode(err), file: path.basename(seg.file) }, 'spool: cannot delete segment');
    }
    return seg;
  }

  /** Close a segment's descriptors (the write one after a sync in flight). */
  private release(seg: Segment): void {
    if (seg.syncing) seg.closeAfterSync = true;
    else if (seg.writeFd !== undefined) {
      this.files.close(seg.writeFd);
      seg.writeFd = undefined;
    }
    if (seg.readFd !== undefined) {
      this.files.close(seg.readFd);
      seg.readFd = undefined;
    }
  }

  /** Positional read from a segment file (opened for reading on first use). */
  readAt(seg: Segment, buf: Buffer, off: number, len: number, pos: number): number {
    if (seg.readFd === undefined) seg.readFd = this.files.openRead(seg.file);
    return this.files.read(seg.readFd, buf, off, len, pos);
  }

  /** Read a segment's valid records in order until `each` returns false. */
  scan(seg: Segment, each: (r: FoundRecord) => boolean): void {
    scanRecords((buf, off, len, pos) => this.readAt(seg, buf, off, len, pos), seg.fileBytes, seg.firstSeq - 1n, each);
  }

  /**
   * A reader of an indexed segment met bytes that are not a valid record at `from`, after the
   * record with `afterSeq`/`afterIndex`: where the next valid one is and its index (`seg.count`
   * and the file end when none follows). Reported as damage once; later readers hop it.
   */
  pastDamage(seg: Segment, from: number, afterSeq: bigint, afterIndex: number): { to: number; index: number } {
    const known = seg.holes?.get(from);
    if (known) return known;
    const next = findNextRecord((buf, off, len, pos) => this.readAt(seg, buf, off, len, pos), seg.fileBytes, from + 1, afterSeq, afterIndex);
    const hole = next && next.index < seg.count ? { to: next.off, index: next.index } : { to: seg.fileBytes, index: seg.count };
    (seg.holes ??= new Map()).set(from, hole);
    const name = path.basename(seg.file);
    const records = hole.index - afterIndex - 1;
    this.log.warn({ file: name, offset: from, skippedBytes: hole.to - from, lostRecords: records }, 'spool: corrupt record found while reading, skipped to the next valid one');
    this.onDamage({ file: name, records, bytes: hole.to - from });
    return hole;
  }

  /** Wait for running syncs, fdatasync what is still open, close every fd. */
  async close(): Promise<void> {
    while (this.syncsInFlight > 0) await new Promise<void>((r) => this.syncDone.push(r));
    for (const seg of this.list) {
      if (seg.writeFd !== undefined) {
        try {
          this.files.fdatasyncSync(seg.writeFd);
        } catch (err) {
          this.log.error({ file: seg.file, err: errCode(err) }, 'spool: fdatasync at close failed');
        }
      }
      for (const fd of [seg.readFd, seg.writeFd]) {
        if (fd === undefined) continue;
        try {
          this.files.close(fd);
        } catch {
          // already closed
        }
      }
      seg.readFd = seg.writeFd = undefined;
    }
  }

  /**
   * Fast start: a version-2 segment whose first record (index 0) and last record (ending exactly
   * at the end of the file) are valid and in order is taken from them without reading the rest:
   * count from the last index, frame bytes from the size. Anything else: undefined (full scan).
   * Damage in between is found, counted and skipped when a reader reaches it.
   */
  private quickOpen(file: string, start: LogEnd): Segment | undefined {
    const fd = this.files.openRead(file);
    try {
      const size = this.files.size(fd);
      let buf = Buffer.allocUnsafe(Math.min(size, QUICK_HEAD));
      let first = checkRecord(buf, 0, this.files.read(fd, buf, 0, buf.length, 0));
      if (!first.ok && 'need' in first && first.need <= size) {
        buf = Buffer.allocUnsafe(first.need);
        first = checkRecord(buf, 0, this.files.read(fd, buf, 0, buf.length, 0));
      }
      if (!first.ok || first.index !== 0 || first.seq <= start.seq) return undefined;
      buf = Buffer.allocUnsafe(Math.min(size, QUICK_TAIL));
      const tailLen = this.files.read(fd, buf, 0, buf.length, size - buf.length);
      if (tailLen !== buf.length) return undefined;
      for (let p = buf.lastIndexOf(MAGIC_BYTES, tailLen - 4); p >= 0; p = p > 0 ? buf.lastIndexOf(MAGIC_BYTES, p - 1) : -1) {
        const last = checkRecord(buf, p, tailLen);
        if (!last.ok) continue;
        const count = last.index + 1;
        const cum = size - count * RECORD_OVERHEAD;
        if (p + last.bytes !== tailLen || last.seq < first.seq || cum < 0 || (count === 1) !== (size === first.bytes)) return undefined;
        return { file, format: 2, firstSeq: first.seq, lastSeq: last.seq, firstOrd: start.ord, count, firstCum: start.cum, cumBytes: cum, fileBytes: size };
      }
      return undefined;
    } finally {
      this.files.close(fd);
    }
  }

  private recoverSegment(file: string, start: LogEnd): Segment | undefined {
    const fd = this.files.openRw(file);
    const name = path.basename(file);
    try {
      const size = this.files.size(fd);
      const r = scanRecords((buf, off, len, pos) => this.files.read(fd, buf, off, len, pos), size, start.seq);
      if (r.skips.length > 0) {
        this.log.warn(
          { file: name, skippedBytes: r.skippedBytes, lostRecords: r.lostRecords, kept: r.count, reason: r.reason },
          'spool: skipped corrupt bytes, kept every valid record after them',
        );
      }
      const tail = size - r.validEnd;
      if (tail > 0) {
        this.files.truncate(fd, r.validEnd);
        this.files.fdatasyncSync(fd);
        this.log.warn({ file: name, droppedBytes: tail, kept: r.count, reason: r.reason }, 'spool: truncated a torn or corrupt tail');
      }
      if (r.skips.length > 0 || tail > 0) this.onDamage({ file: name, records: r.lostRecords + (tail > 0 ? r.tailRecords : 0), bytes: r.skippedBytes + tail });
      if (r.count === 0) {
        this.files.unlink(file);
        return undefined;
      }
      return {
        file, format: r.format, ...(r.skips.length > 0 ? { skips: r.skips } : {}), firstSeq: r.firstSeq, lastSeq: r.lastSeq,
        firstOrd: start.ord, count: r.count, firstCum: start.cum, cumBytes: r.cum, fileBytes: r.validEnd,
      };
    } finally {
      this.files.close(fd);
    }
  }
}
