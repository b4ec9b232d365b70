import path from 'node:path';
import type { LogEntry } from '../pipeline/message-log';
import type { Logger } from '../util/log';
import { errCode, type SpoolFiles } from './files';
import type { RecordFormat } from './record';
import { scanRecords } from './record-scan';

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

/** Where numbering stands after the segments recovered so far. */
export interface LogEnd {
  ord: number;
  cum: number;
  seq: bigint;
}

/** What recovery had to skip: the records it knows were lost, the bytes, and in which files. */
export interface Damage {
  records: number;
  bytes: number;
  files: string[];
}

const SEGMENT_RE = /^(\d{20})\.seg$/;

function segName(seq: bigint): string {
  return `${seq.toString().padStart(20, '0')}.seg`;
}

/** The ordered list of segment files in `dir` and the I/O on them. */
export class SegmentStore {
  /** Oldest first; the last one is the one appended to. */
  readonly list: Segment[] = [];
  /** Bytes in all segment files. */
  bytes = 0;
  private syncsInFlight = 0;
  private syncDone: (() => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly files: SpoolFiles,
    private readonly log: Logger,
    /** fdatasync failed on `seg`: the owner decides what that means for the spool's mode. */
    private readonly onSyncError: (seg: Segment, err: Error) => void,
  ) {}

  /** What recovery skipped (damaged stretches and tails). */
  readonly damage: Damage = { records: 0, bytes: 0, files: [] };

  /** Recover every segment file (truncating a torn tail); returns where numbering continues. Throws if the dir is unusable. */
  recover(): LogEnd {
    this.files.mkdirp(this.dir);
    const names = this.files
      .list(this.dir)
      .filter((n) => SEGMENT_RE.test(n))
      .sort();
    let end: LogEnd = { ord: 0, cum: 0, seq: 0n };
    for (const name of names) {
      const seg = this.recoverSegment(path.join(this.dir, name), end);
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
    const prev = this.last();
    const file = path.join(this.dir, segName(first.seq));
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
    if (seg.syncing) seg.closeAfterSync = true;
    else if (seg.writeFd !== undefined) {
      this.files.close(seg.writeFd);
      seg.writeFd = undefined;
    }
    if (seg.readFd !== undefined) {
      this.files.close(seg.readFd);
      seg.readFd = undefined;
    }
    try {
      this.files.unlink(seg.file);
    } catch (err) {
      this.log.error({ err: errCode(err), file: path.basename(seg.file) }, 'spool: cannot delete segment');
    }
    return seg;
  }

  /** Positional read from a segment file (opened for reading on first use). */
  readAt(seg: Segment, buf: Buffer, off: number, len: number, pos: number): number {
    if (seg.readFd === undefined) seg.readFd = this.files.openRead(seg.file);
    return this.files.read(seg.readFd, buf, off, len, pos);
  }

  /** Read a segment's valid records in order until `each` returns false. */
  scan(seg: Segment, each: (e: LogEntry, bytes: number) => boolean): void {
    scanRecords((buf, off, len, pos) => this.readAt(seg, buf, off, len, pos), seg.fileBytes, seg.firstSeq - 1n, each);
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
      if (r.skips.length > 0 || tail > 0) {
        this.damage.records += r.lostRecords + (tail > 0 ? r.tailRecords : 0);
        this.damage.bytes += r.skippedBytes + tail;
        this.damage.files.push(name);
      }
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
