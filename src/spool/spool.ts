import pino from 'pino';
import { entryBytes, type CursorLimits, type LogCursor, type LogEntry, type MessageLog } from '../pipeline/message-log';
import { DropCounter } from '../util/drop-counter';
import type { Logger } from '../util/log';
import { DiskCursor, type CursorHost, type Pos } from './disk-cursor';
import { errCode, nodeFiles, type SpoolFiles } from './files';
import { checkEncodable, encodeRecordInto, RECORD_OVERHEAD } from './record';
import { LogPositions } from './positions';
import { Retention } from './retention';
import { SavedCursors } from './saved-cursors';
import { SegmentStore, type Damage } from './segments';
import { TailCache } from './tail-cache';
import { rewriteUnsynced, unsyncedFrom } from './unsynced';

/** Least interval between writes of cursors.json while sinks commit. */
const CURSOR_PERSIST_MS = 1000;

/**
 * The spool itself: owns the append order (ordinals, seqs), the disk/memory mode and its
 * alarms, and the cursors it hands out; everything else it delegates to its parts.
 */

/** Options for {@link Spool}; the byte/interval values come from the `spool` config section. */
export interface SpoolOptions {
  /** `<state_dir>/spool`. */
  dir: string;
  /** `spool.max_bytes`: disk use bound; oldest whole segments are deleted first. */
  maxBytes: number;
  /** `spool.fsync_ms`: group-commit interval; 0 = write and fdatasync each append batch (one event-loop turn). */
  fsyncMs: number;
  /** `spool.segment_bytes`: segment file size (clamped to half of maxBytes). */
  segmentBytes: number;
  logger?: Logger;
  /** Recent entries kept in RAM so live readers never touch the disk (default 4 MiB). */
  cacheBytes?: number;
  /** RAM bound for entries not yet on disk, i.e. while the disk fails (default 8 MiB). */
  memoryBytes?: number;
  /** Retry interval for the disk after a write error (default 5 s). */
  retryMs?: number;
  /** File system seam (tests inject ENOSPC). */
  files?: SpoolFiles;
}

/** What `lowband status` shows for the spool. */
export interface SpoolStatus {
  mode: 'disk' | 'memory';
  alarm?: string;
  /** Bytes in segment files. */
  bytes: number;
  /** Bytes held in RAM waiting for the disk. */
  memoryBytes: number;
  segments: number;
  firstSeq: string;
  lastSeq: string;
  drops: Record<string, number>;
}

/** A spool cursor: the LogCursor contract (replayUntil included) over the segment files. */
export type SpoolCursor = LogCursor;

const WRITE_BATCH = 1024 * 1024;

/**
 * The durable message log: an append-only, segmented log on disk (sequential writes only, which
 * SD cards like), bounded by `maxBytes`, with one persisted cursor per reliable sink.
 *
 * Durability, write-ahead then group-fsync: an appended entry is written to its segment file
 * (the OS page cache) before any reader sees it, or at the latest at the end of the event-loop
 * turn, in one write per burst, so a process crash (kill -9, OOM, a thrown bug) loses nothing.
 * fdatasync runs in the thread pool every `fsyncMs` (0: after each turn's write), so a power cut
 * loses at most that interval and never tears what was synced. Readers are served from a bounded
 * RAM tail or from the segment files, so a long backend outage costs disk, not memory.
 */
export class Spool implements MessageLog {
  private readonly dir: string;
  private readonly log: Logger;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly fsyncMs: number;
  private readonly memoryLimit: number;
  private readonly retryMs: number;
  private readonly drops = new DropCounter();
  private readonly segments: SegmentStore;
  private readonly cache: TailCache;
  private readonly saved: SavedCursors;
  private readonly retention: Retention;
  private readonly positions: LogPositions;
  private readonly cursors = new Map<string, DiskCursor>();
  /** What the cursors see of the spool. */
  private readonly host: CursorHost;

  private nextOrd = 0;
  private totalCum = 0;
  private lastAppended = 0n;
  private openLastSeq = 0n;

  private mode: 'disk' | 'memory' = 'disk';
  private alarm: string | undefined;
  /** Set for the run when recovery had to skip damaged records. */
  private damageAlarm: string | undefined;
  private readonly damagedFiles: string[] = [];
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private opened = false;
  private closed = false;

  constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    const files = opts.files ?? nodeFiles;
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.maxBytes = opts.maxBytes;
    this.segmentBytes = Math.max(4096, Math.min(opts.segmentBytes, Math.floor(opts.maxBytes / 2)));
    this.fsyncMs = opts.fsyncMs;
    this.memoryLimit = opts.memoryBytes ?? 8 * 1024 * 1024;
    this.retryMs = opts.retryMs ?? 5000;
    this.cache = new TailCache(opts.cacheBytes ?? 4 * 1024 * 1024);
    this.segments = new SegmentStore(
      this.dir, files, this.log,
      (seg, err) => {
        if (this.drops.count('fsync_errors') === 1) this.log.error({ err: errCode(err), file: seg.file }, 'spool: fdatasync failed');
        // Go to memory mode with the alarm until a retry writes and syncs again; what the
        // segment took since its last good sync stays in RAM to be written again.
        this.cache.pinnedFrom = unsyncedFrom(this.segments);
        this.diskFailed(err);
      },
      (d) => this.damaged(d),
    );
    // cursors.json is written (temp file, fsync, rename) on the main thread: once a second at
    // most. A stale file costs redelivery after a crash, never loss; close() still writes it.
    this.saved = new SavedCursors(this.dir, files, this.log, this.drops, Math.max(this.fsyncMs, CURSOR_PERSIST_MS));
    this.retention = new Retention(
      { segments: this.segments, saved: this.saved, cache: this.cache, cursors: this.cursors, drops: this.drops, log: this.log },
      this.maxBytes,
    );
    this.positions = new LogPositions(this.segments, this.cache, () => ({ ord: this.nextOrd, cum: this.totalCum, seq: this.lastAppended }));
    this.host = {
      isClosed: () => this.closed,
      locate: (o) => {
        // Write-ahead: an entry is in the segment file before any cursor hands it out.
        if (o >= this.cache.unwrittenOrd && o < this.nextOrd) this.flush();
        return this.positions.locate(o);
      },
      end: () => this.positions.end(),
      holesAfter: (ord) => this.cache.holesAfter(ord),
      skipPosition: (o) => this.positions.skipPosition(o),
      committed: (name, seq) => this.saved.set(name, seq),
      released: (name) => this.cursors.delete(name),
    };
  }

  /** Recover the segment files (truncating a torn tail) and load cursor positions. */
  async open(): Promise<void> {
    if (this.opened) return;
    try {
      const end = this.segments.recover();
      this.nextOrd = end.ord;
      this.totalCum = end.cum;
      this.openLastSeq = this.lastAppended = end.seq;
    } catch (err) {
      // An unusable state dir must not stop the gateway: run from RAM, alarm, keep retrying.
      this.diskFailed(err);
    }
    this.cache.unwrittenOrd = this.nextOrd;
    this.saved.load();
    // With fsync_ms 0 the timer only persists cursors and retries a failed disk.
    this.timer = setInterval(() => this.tick(), this.fsyncMs > 0 ? this.fsyncMs : 200);
    this.timer.unref();
    this.opened = true;
    this.retention.enforceMaxBytes(0);
  }

  /** Entries held in the RAM tail (tests and benches look here). */
  get ramEntries(): number {
    return this.cache.length;
  }

  /** Highest seq that was on disk when the spool opened (the gateway's seq counter must start above it). */
  lastSeq(): bigint {
    return this.openLastSeq;
  }

  /** Mode, alarm, use and drops for `lowband status`. */
  status(): SpoolStatus {
    const first = this.positions.first();
    const unreadable = this.segments.unreadable.length > 0
      ? `spool could not read ${this.segments.unreadable.join(', ')} at start: left on disk, its records are not sent this run`
      : undefined;
    const alarm = [this.alarm, this.damageAlarm, unreadable, this.saved.alarm].filter(Boolean).join('; ');
    return {
      mode: this.mode,
      ...(alarm ? { alarm } : {}),
      bytes: this.segments.bytes,
      memoryBytes: this.cache.unwrittenBytes,
      segments: this.segments.length,
      firstSeq: (first?.seq ?? 0n).toString(),
      lastSeq: this.lastAppended.toString(),
      drops: { ...this.drops.byCause },
    };
  }

  /** Takes the entry; false when it was refused (counted: `closed`, `seq_order`, `unencodable`). */
  append(entry: LogEntry): boolean {
    if (this.closed || !this.opened) {
      this.drops.count('closed');
      return false;
    }
    if (entry.seq <= this.lastAppended) {
      // Seq order is what cursors resume by after a restart; an out-of-order seq is a caller bug.
      if (this.drops.count('seq_order') === 1) this.log.error({ seq: entry.seq.toString(), last: this.lastAppended.toString() }, 'spool: seq not increasing, message dropped');
      return false;
    }
    try {
      checkEncodable(entry);
    } catch (err) {
      if (this.drops.count('unencodable') === 1) this.log.error({ seq: entry.seq.toString(), err: (err as Error).message }, 'spool: message cannot be stored, dropped');
      return false;
    }
    const bytes = entryBytes(entry);
    this.cache.push({ entry, ord: this.nextOrd, cumStart: this.totalCum, bytes });
    this.nextOrd++;
    this.totalCum += bytes;
    this.lastAppended = entry.seq;
    if (this.mode === 'disk' && this.cache.unwrittenBytes >= Math.min(WRITE_BATCH, this.memoryLimit / 2)) this.writePending();
    if (this.cache.unwrittenBytes > this.memoryLimit) this.dropUnwritten();
    for (const c of this.cursors.values()) c.appended();
    // Whatever nobody read this turn is written at its end: a crash between turns loses nothing.
    if (!this.immediate) this.immediate = setImmediate(this.endOfTurn);
    return true;
  }

  /**
   * Write every appended entry to the segment file (the page cache) now. Cursors and the readers
   * behind FanoutLog's barrier call this before they see an entry; fdatasync stays on its timer.
   */
  flush(): void {
    if (this.mode === 'disk' && this.cache.unwrittenOrd < this.nextOrd) this.writePending();
  }

  /**
   * Open the named cursor at its saved position. Without one (a new sink, or cursors.json lost or
   * corrupt) it starts at the oldest retained record: for at-least-once that is the safe choice,
   * the end would silently skip whatever the sink never got. Either way every record that was on
   * disk at open may have been sent by a previous run, so all of them are flagged as redelivery.
   */
  openCursor(name: string, limits: CursorLimits): SpoolCursor {
    if (this.cursors.has(name)) throw new Error(`spool cursor ${name} is already open`);
    const saved = this.saved.get(name);
    let committed: Pos;
    if (saved !== undefined) {
      committed = { ...this.positions.afterSeq(saved), seq: saved };
    } else {
      const first = this.positions.first();
      committed = first ? { ord: first.ord, cum: first.cum, seq: 0n } : { ord: this.nextOrd, cum: this.totalCum, seq: 0n };
      this.saved.set(name, 0n);
    }
    // Reopened in this run (a restarted sink): the previous instance may have sent anything appended so far.
    const replayUntil = this.saved.wasOpened(name) ? this.lastAppended : this.openLastSeq;
    this.saved.markOpened(name);
    const c = new DiskCursor(this.host, this.segments, name, limits, committed, replayUntil);
    this.retention.opened(c);
    this.cursors.set(name, c);
    return c;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.retryAt = 0;
    this.writePending();
    // A sync still running may fail and leave records to write again: one more try once it is
    // done. The cursors stay open until then: they say what is delivered.
    await this.segments.settled();
    this.writePending();
    for (const c of [...this.cursors.values()]) c.close();
    this.retention.releaseCommitted();
    await this.segments.close();
    this.saved.persist(true);
    if (this.cache.unwrittenBytes > 0) this.log.error({ bytes: this.cache.unwrittenBytes }, 'spool: closed with messages only in memory (disk failing); they are lost');
    if (this.cache.pinnedFrom !== Infinity) this.log.error({ fromOrd: this.cache.pinnedFrom }, 'spool: closed before the records of a failed fdatasync could be written again; a power cut may take them');
  }

  /** Damaged records are a drop (`corrupt`, and `corrupt_bytes`) and an alarm for this run. */
  private damaged(d: Damage): void {
    if (d.records > 0) this.drops.count('corrupt', d.records);
    this.drops.count('corrupt_bytes', d.bytes);
    if (!this.damagedFiles.includes(d.file)) this.damagedFiles.push(d.file);
    const f = this.damagedFiles;
    const files = f.length > 3 ? `${f.slice(0, 3).join(', ')} and ${f.length - 3} more` : f.join(', ');
    const c = this.drops.byCause;
    this.damageAlarm = `spool skipped ${c.corrupt_bytes} corrupt bytes (${c.corrupt ?? 0} records) in ${files}; every valid record was kept`;
  }

  // ---- writing ----

  private readonly endOfTurn = (): void => {
    this.immediate = undefined;
    if (this.closed) return;
    this.flush();
    if (this.fsyncMs === 0) this.segments.syncDirty();
  };

  private tick(): void {
    if (this.closed) return;
    this.writePending();
    this.segments.syncDirty();
    // Commits free segments (and RAM) also when nothing new is written.
    this.retention.releaseCommitted();
    this.cache.evict(this.lowestUncommitted());
    for (const name of this.saved.forgetStale()) this.retention.forget(name);
    this.saved.persist(false);
  }

  /** Write every pending record, rolling segments; on a write error switch to memory mode. */
  private writePending(): void {
    // A failed sync's records to write again are a reason to retry even when nothing is new.
    const rewrite = this.cache.pinnedFrom !== Infinity;
    if (this.cache.unwrittenOrd >= this.nextOrd && !rewrite) return;
    if (this.mode === 'memory' && Date.now() < this.retryAt) return;
    // Those first: while they cannot be made durable nothing new is written (it waits in RAM, bounded).
    // (At close the pending records are written all the same: a clean restart keeps them.)
    if (rewrite) {
      const delivered = { ord: this.lowestUncommitted(), unopenedSeq: this.saved.minExcept(this.cursors) };
      if (!rewriteUnsynced(this.segments, this.cache, delivered, this.drops, this.log, (err) => this.diskFailed(err)) && !this.closed) return;
    }
    let from = this.cache.unwrittenOrd;
    let bytes = 0;
    let frames = 0;
    /** Encode ordinals [from, to) into one buffer (their indexes in the active segment follow its count) and write it. */
    const write = (to: number): void => {
      if (to === from) return;
      const seg = this.segments.last()!;
      const data = Buffer.allocUnsafe(bytes);
      let off = 0;
      for (let o = from; o < to; o++) off += encodeRecordInto(data, off, this.cache.at(o)!.entry, seg.count + o - from);
      this.segments.write(data, to - from, this.cache.at(to - 1)!.entry.seq, frames);
      this.cache.written(to, bytes);
      from = to;
      bytes = frames = 0;
    };
    let ok = true;
    try {
      for (let o = from; o < this.nextOrd; o++) {
        const item = this.cache.at(o)!;
        const len = item.bytes + RECORD_OVERHEAD;
        const fits = this.segments.fits(o, o - from, bytes + len, this.segmentBytes);
        if (!fits || bytes + len > WRITE_BATCH) write(o);
        if (!fits) {
          this.retention.enforceMaxBytes(len);
          this.segments.create({ seq: item.entry.seq, ord: item.ord, cum: item.cumStart });
        }
        bytes += len;
        frames += item.bytes;
      }
      write(this.nextOrd);
    } catch (err) {
      ok = false;
      this.diskFailed(err);
    }
    if (ok && this.mode === 'memory') {
      this.mode = 'disk';
      this.alarm = undefined;
      this.log.warn({ segments: this.segments.length }, 'spool: disk writable again, back to disk mode');
    }
    this.retention.enforceMaxBytes(0);
    this.retention.releaseCommitted();
    this.cache.evict(this.lowestUncommitted());
  }

  /** The lowest ordinal an open cursor has not committed (the end when none is open). */
  private lowestUncommitted(): number {
    let low = this.nextOrd;
    for (const c of this.cursors.values()) if (c.committedOrd < low) low = c.committedOrd;
    return low;
  }

  private diskFailed(err: unknown): void {
    this.retryAt = Date.now() + this.retryMs;
    if (this.mode === 'memory') return;
    this.mode = 'memory';
    const code = errCode(err);
    this.alarm = `spool disk write failed (${code}): keeping up to ${this.memoryLimit} bytes in memory, retrying every ${this.retryMs} ms`;
    this.drops.count('disk_errors');
    this.log.error({ err: code, dir: this.dir }, 'spool: disk write failed, switching to memory mode');
  }

  /** While the disk fails, keep at most `memoryLimit` bytes of unwritten records; drop the oldest. */
  private dropUnwritten(): void {
    while (this.cache.unwrittenBytes > this.memoryLimit) {
      const it = this.cache.dropOldestUnwritten(this.nextOrd);
      if (!it) break;
      this.drops.count('memory_full');
      for (const c of this.cursors.values()) c.lostInHole(it.ord);
    }
  }
}
