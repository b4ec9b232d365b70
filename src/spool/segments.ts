import path from 'node:path';
import type { Logger } from '../util/log';
import { errCode, type SpoolFiles } from './files';
import { findNextRecord, scanRecords, type FoundRecord } from './record-scan';
import type { Damage, LogEnd, Segment } from './segment';
import { quickOpen, recoverSegment } from './segment-recovery';

export { indexedOrdinals, type Damage, type LogEnd, type Segment } from './segment';

/**
 * The segment files of the spool: recovery at open, appending whole records, fdatasync, reading
 * and deleting. Knows nothing of cursors or retention: the spool decides what to write and
 * delete, this module does the file work and keeps each segment's bookkeeping right.
 */

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
        seg = (i < names.length - 1 && quickOpen(this.files, file, end)) || recoverSegment(this.files, this.log, this.onDamage, file, end);
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
    const covers = { count: seg.count, bytes: seg.fileBytes };
    this.files.fdatasync(seg.writeFd, (err) => {
      seg.syncing = false;
      this.syncsInFlight--;
      if (err) {
        // The disk may have dropped what the page cache held: never append to this segment
        // again, and write what came after the last good sync once more (rewriteUnsynced).
        seg.sealed = true;
        seg.unsynced = true;
        this.onSyncError(seg, err);
      } else if (!seg.unsynced) seg.synced = covers;
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

  /**
   * Write `data` (the records after `seg.synced`, encoded again: the same bytes) back at the end
   * of the segment and fdatasync it: after a failed sync this is what makes them durable.
   * Throws on I/O errors; the segment then stays unsynced.
   */
  rewriteUnsynced(seg: Segment, data: Buffer): void {
    const fd = seg.writeFd ?? this.files.openRw(seg.file);
    try {
      const pos = seg.fileBytes - data.length;
      for (let done = 0; done < data.length; ) done += this.files.write(fd, data, done, data.length - done, pos + done);
      this.files.fdatasyncSync(fd);
    } finally {
      if (fd !== seg.writeFd) this.files.close(fd);
    }
    seg.unsynced = false;
    seg.synced = { count: seg.count, bytes: seg.fileBytes };
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
  /** Resolves once no fdatasync is running. */
  async settled(): Promise<void> {
    while (this.syncsInFlight > 0) await new Promise<void>((r) => this.syncDone.push(r));
  }

  async close(): Promise<void> {
    await this.settled();
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
}
