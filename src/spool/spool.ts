import path from 'node:path';
import pino from 'pino';
import { entryBytes, type CursorLimits, type LogCursor, type LogEntry, type MessageLog } from '../pipeline/message-log';
import type { Logger } from '../util/log';
import { nodeFiles, type SpoolFiles } from './files';
import { encodeRecord, readRecord } from './record';

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

/** A spool cursor also tells its sink which entries may have been sent before a restart. */
export interface SpoolCursor extends LogCursor {
  /** Entries with seq <= this may have been sent before (on disk at open, or read by an earlier instance of this cursor in this run): send them flagged as redelivery. */
  readonly replayUntil: bigint;
}

interface Segment {
  file: string;
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
  /** A failed write may have left a torn tail: never append to it again. */
  sealed?: boolean;
  syncing?: boolean;
  resync?: boolean;
  closeAfterSync?: boolean;
}

interface CacheItem {
  entry: LogEntry;
  ord: number;
  cumStart: number;
  bytes: number;
  /** Encoded record while not yet written. */
  rec?: Buffer;
}

/** A read position: `ord` is the next ordinal to read, `cum` the frame bytes before it, `seq` the last seq passed. */
interface Pos {
  ord: number;
  cum: number;
  seq: bigint;
}

/** Ordinals lost while the disk was failing (dropped from RAM before they could be written). */
interface Hole {
  from: number;
  to: number;
  cumFrom: number;
  cumTo: number;
}

const SEGMENT_RE = /^(\d{20})\.seg$/;
const CURSORS_FILE = 'cursors.json';
const WRITE_BATCH = 1024 * 1024;
const READ_CHUNK = 64 * 1024;
/**
 * A saved cursor name not opened this long after the first cursor open belongs to a sink that is no
 * longer configured. The delay keeps a name alive while the gateway is still opening its sinks.
 */
const STALE_CURSOR_MS = 1000;
/** Heap cost of one cached entry beyond its frame bytes (entry, frames array, 3 Buffer objects). */
const ITEM_OVERHEAD = 320;

function segName(seq: bigint): string {
  return `${seq.toString().padStart(20, '0')}.seg`;
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);
}

/**
 * The durable message log: an append-only, segmented log on disk (sequential writes only, which
 * SD cards like), bounded by `maxBytes`, with one persisted cursor per reliable sink.
 *
 * Durability: appends are encoded at once and written in batches (inline once 1 MiB is pending,
 * else on the timer); fdatasync runs in the thread pool every `fsyncMs`, so a power cut loses at
 * most that interval and never tears what was synced. Readers are served from a bounded RAM tail
 * cache or from the segment files, so a long backend outage costs disk, not memory.
 */
export class Spool implements MessageLog {
  private readonly dir: string;
  private readonly files: SpoolFiles;
  private readonly log: Logger;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly fsyncMs: number;
  private readonly cacheLimit: number;
  private readonly memoryLimit: number;
  private readonly retryMs: number;

  private segments: Segment[] = [];
  private diskBytes = 0;
  private cache: CacheItem[] = [];
  private cacheHead = 0;
  private cacheBytes = 0;
  /** First cache item not yet written; cache[cacheHead + (unwrittenOrd - cacheStart)]. */
  private unwrittenOrd = 0;
  private unwrittenBytes = 0;
  private holes: Hole[] = [];
  private nextOrd = 0;
  private totalCum = 0;
  private lastAppended = 0n;
  private openLastSeq = 0n;

  private readonly cursors = new Map<string, DiskCursor>();
  private saved = new Map<string, bigint>();
  private savedDirty = false;
  /** Names opened this run (closed ones included): only these hold retention and count drops. */
  private readonly openedNames = new Set<string>();
  private firstOpenAt = 0;
  private staleChecked = false;
  /** Records deleted by max_bytes before a saved cursor opened (`extra`: not counted for a live cursor): counted when it opens. */
  private readonly preOpenLost = new Map<string, { lost: number; extra: number }>();
  private preOpenCounted = 0;
  private lastPersist = 0;

  private mode: 'disk' | 'memory' = 'disk';
  private alarm: string | undefined;
  private retryAt = 0;
  private readonly drops: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private opened = false;
  private closed = false;
  private syncsInFlight = 0;
  private syncDone: (() => void)[] = [];

  constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.files = opts.files ?? nodeFiles;
    this.log = opts.logger ?? pino({ level: 'silent' });
    this.maxBytes = opts.maxBytes;
    this.segmentBytes = Math.max(4096, Math.min(opts.segmentBytes, Math.floor(opts.maxBytes / 2)));
    this.fsyncMs = opts.fsyncMs;
    this.cacheLimit = opts.cacheBytes ?? 4 * 1024 * 1024;
    this.memoryLimit = opts.memoryBytes ?? 8 * 1024 * 1024;
    this.retryMs = opts.retryMs ?? 5000;
  }

  /** Recover the segment files (truncating a torn tail) and load cursor positions. */
  async open(): Promise<void> {
    if (this.opened) return;
    let prevSeq = 0n;
    try {
      this.files.mkdirp(this.dir);
      const names = this.files
        .list(this.dir)
        .filter((n) => SEGMENT_RE.test(n))
        .sort();
      for (const name of names) {
        const seg = this.recoverSegment(path.join(this.dir, name), prevSeq);
        if (!seg) continue;
        prevSeq = seg.lastSeq;
        this.segments.push(seg);
        this.diskBytes += seg.fileBytes;
      }
    } catch (err) {
      // An unusable state dir must not stop the gateway: run from RAM, alarm, keep retrying.
      this.diskFailed(err);
    }
    this.unwrittenOrd = this.nextOrd;
    this.openLastSeq = this.lastAppended = prevSeq;
    this.loadCursors();
    // With fsync_ms 0 the timer only persists cursors and retries a failed disk.
    this.timer = setInterval(() => this.tick(), this.fsyncMs > 0 ? this.fsyncMs : 200);
    this.timer.unref();
    this.opened = true;
    this.enforceMaxBytes(0);
  }

  /** Highest seq that was on disk when the spool opened (the gateway's seq counter must start above it). */
  lastSeq(): bigint {
    return this.openLastSeq;
  }

  /** Mode, alarm, use and drops for `lowband status`. */
  status(): SpoolStatus {
    const first = this.firstAvailable();
    return {
      mode: this.mode,
      ...(this.alarm ? { alarm: this.alarm } : {}),
      bytes: this.diskBytes,
      memoryBytes: this.unwrittenBytes,
      segments: this.segments.length,
      firstSeq: (first?.seq ?? 0n).toString(),
      lastSeq: this.lastAppended.toString(),
      drops: { ...this.drops },
    };
  }

  append(entry: LogEntry): void {
    if (this.closed || !this.opened) {
      this.count('closed');
      return;
    }
    if (entry.seq <= this.lastAppended) {
      // Seq order is what cursors resume by after a restart; an out-of-order seq is a caller bug.
      if (this.count('seq_order') === 1) this.log.error({ seq: entry.seq.toString(), last: this.lastAppended.toString() }, 'spool: seq not increasing, message dropped');
      return;
    }
    let rec: Buffer;
    try {
      rec = encodeRecord(entry);
    } catch (err) {
      if (this.count('unencodable') === 1) this.log.error({ seq: entry.seq.toString(), err: (err as Error).message }, 'spool: message cannot be stored, dropped');
      return;
    }
    const bytes = entryBytes(entry);
    if (this.cacheLength() === 0) this.cacheHead = this.cache.length; // keep the cache contiguous in ordinals
    this.cache.push({ entry, ord: this.nextOrd, cumStart: this.totalCum, bytes, rec });
    this.cacheBytes += bytes + ITEM_OVERHEAD;
    this.unwrittenBytes += rec.length;
    this.nextOrd++;
    this.totalCum += bytes;
    this.lastAppended = entry.seq;
    if (this.mode === 'disk' && this.unwrittenBytes >= Math.min(WRITE_BATCH, this.memoryLimit / 2)) this.writePending();
    if (this.unwrittenBytes > this.memoryLimit) this.dropUnwritten();
    for (const c of this.cursors.values()) c.appended();
    if (this.mode === 'disk' && this.fsyncMs === 0 && !this.immediate) this.immediate = setImmediate(() => this.tick());
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
      const p = this.seekSeq(saved);
      committed = { ord: p.ord, cum: p.cum, seq: saved };
    } else {
      const first = this.firstAvailable();
      committed = first ? { ord: first.ord, cum: first.cum, seq: 0n } : { ord: this.nextOrd, cum: this.totalCum, seq: 0n };
      this.saved.set(name, 0n);
      this.savedDirty = true;
    }
    if (this.openedNames.size === 0) this.firstOpenAt = Date.now();
    // Reopened in this run (a restarted sink): the previous instance may have sent anything appended so far.
    const replayUntil = this.openedNames.has(name) ? this.lastAppended : this.openLastSeq;
    this.openedNames.add(name);
    const c = new DiskCursor(this, name, limits, committed, replayUntil);
    const pre = this.preOpenLost.get(name);
    this.preOpenLost.delete(name);
    if (pre && pre.lost > 0) {
      c.countDrop('spool_full', pre.lost);
      // Unopened saved positions move to the same segment ends, so the furthest-behind one's extra covers the others'.
      if (pre.extra > this.preOpenCounted) this.count('spool_full', pre.extra - this.preOpenCounted);
      this.preOpenCounted = Math.max(this.preOpenCounted, pre.extra);
    }
    this.cursors.set(name, c);
    return c;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    for (const c of [...this.cursors.values()]) c.close();
    if (this.mode === 'memory') this.retryAt = 0;
    this.writePending();
    while (this.syncsInFlight > 0) await new Promise<void>((r) => this.syncDone.push(r));
    for (const seg of this.segments) {
      if (seg.writeFd !== undefined) {
        try {
          this.files.fdatasyncSync(seg.writeFd);
        } catch (err) {
          this.log.error({ file: seg.file, err: errCode(err) }, 'spool: fdatasync at close failed');
        }
      }
      this.closeFds(seg);
    }
    this.persistCursors(true);
    if (this.unwrittenBytes > 0) this.log.error({ bytes: this.unwrittenBytes }, 'spool: closed with messages only in memory (disk failing); they are lost');
  }

  // ---- used by cursors ----

  /** @internal */
  get appendedOrd(): number {
    return this.nextOrd;
  }
  /** @internal */
  get appendedCum(): number {
    return this.totalCum;
  }
  /** @internal */
  isClosed(): boolean {
    return this.closed;
  }

  /** @internal Cached entry at ordinal `o`, if it is in the RAM tail. */
  cached(o: number): CacheItem | undefined {
    const n = this.cacheLength();
    if (n === 0) return undefined;
    const start = this.cache[this.cacheHead].ord;
    if (o < start || o >= start + n) return undefined;
    return this.cache[this.cacheHead + (o - start)];
  }

  /** @internal Where ordinal `o` lives: a segment, the cache, or the next available position after a hole. */
  locate(o: number): { seg: Segment } | { item: CacheItem } | { skipTo: Pos } | undefined {
    if (o >= this.nextOrd) return undefined;
    const item = this.cached(o);
    if (item) return { item };
    for (const seg of this.segments) {
      if (seg.firstOrd + seg.count <= o) continue;
      if (o < seg.firstOrd) return { skipTo: { ord: seg.firstOrd, cum: seg.firstCum, seq: seg.firstSeq - 1n } };
      return { seg };
    }
    const head = this.cacheLength() > 0 ? this.cache[this.cacheHead] : undefined;
    if (head && head.ord > o) return { skipTo: { ord: head.ord, cum: head.cumStart, seq: head.entry.seq - 1n } };
    return { skipTo: { ord: this.nextOrd, cum: this.totalCum, seq: this.lastAppended } };
  }

  /** @internal Is this segment still part of the log? */
  hasSegment(seg: Segment): boolean {
    return this.segments.includes(seg);
  }

  /** @internal */
  readAt(seg: Segment, buf: Buffer, off: number, len: number, pos: number): number {
    if (seg.readFd === undefined) seg.readFd = this.files.openRead(seg.file);
    return this.files.read(seg.readFd, buf, off, len, pos);
  }

  /** @internal Ordinals/bytes of holes at or after `ord` (for backlog). */
  holesAfter(ord: number): { messages: number; bytes: number } {
    let messages = 0;
    let bytes = 0;
    for (const h of this.holes) {
      if (h.to <= ord) continue;
      if (h.from >= ord) {
        messages += h.to - h.from;
        bytes += h.cumTo - h.cumFrom;
      } else {
        messages += h.to - ord;
        bytes += h.cumTo - h.cumFrom; // partial hole under a cursor: rare, approximate
      }
    }
    return { messages, bytes };
  }

  /** @internal A cursor's committed seq changed. */
  committedChanged(name: string, seq: bigint): void {
    this.saved.set(name, seq);
    this.savedDirty = true;
  }

  /** @internal */
  cursorClosed(name: string): void {
    this.cursors.delete(name);
  }

  /** @internal Move a cursor forward by whole segments/cache so its backlog fits (`drop-oldest`). */
  skipPosition(targetOrd: number): Pos {
    const where = this.locate(targetOrd);
    if (!where) return { ord: this.nextOrd, cum: this.totalCum, seq: this.lastAppended };
    if ('item' in where) return { ord: where.item.ord, cum: where.item.cumStart, seq: where.item.entry.seq - 1n };
    if ('skipTo' in where) return where.skipTo;
    // Inside a segment: jump to its end rather than scan the file for an exact position.
    const s = where.seg;
    return this.locatePos(s.firstOrd + s.count) ?? { ord: this.nextOrd, cum: this.totalCum, seq: this.lastAppended };
  }

  private locatePos(o: number): Pos | undefined {
    const w = this.locate(o);
    if (!w) return undefined;
    if ('item' in w) return { ord: w.item.ord, cum: w.item.cumStart, seq: w.item.entry.seq - 1n };
    if ('skipTo' in w) return w.skipTo;
    if (w.seg.firstOrd === o) return { ord: o, cum: w.seg.firstCum, seq: w.seg.firstSeq - 1n };
    return undefined;
  }

  // ---- internals ----

  private count(cause: string, n = 1): number {
    return (this.drops[cause] = (this.drops[cause] ?? 0) + n);
  }

  private cacheLength(): number {
    return this.cache.length - this.cacheHead;
  }

  private firstAvailable(): Pos & { seq: bigint } | undefined {
    const seg = this.segments[0];
    if (seg) return { ord: seg.firstOrd, cum: seg.firstCum, seq: seg.firstSeq };
    const head = this.cacheLength() > 0 ? this.cache[this.cacheHead] : undefined;
    if (head) return { ord: head.ord, cum: head.cumStart, seq: head.entry.seq };
    return undefined;
  }

  /** First position after `seq` (entries are in seq order). */
  private seekSeq(seq: bigint): Pos {
    for (const seg of this.segments) {
      if (seg.lastSeq <= seq) continue;
      if (seg.firstSeq > seq) return { ord: seg.firstOrd, cum: seg.firstCum, seq };
      let ord = seg.firstOrd;
      let cum = seg.firstCum;
      this.scanSegment(seg, (e) => {
        if (e.seq > seq) return false;
        ord++;
        cum += entryBytes(e);
        return true;
      });
      return { ord, cum, seq };
    }
    for (let i = this.cacheHead; i < this.cache.length; i++) {
      const it = this.cache[i];
      if (it.entry.seq > seq) return { ord: it.ord, cum: it.cumStart, seq };
    }
    return { ord: this.nextOrd, cum: this.totalCum, seq };
  }

  /** Read a segment's records in order until `each` returns false. */
  private scanSegment(seg: Segment, each: (e: LogEntry, bytes: number) => boolean): void {
    let buf = Buffer.allocUnsafe(READ_CHUNK);
    let pos = 0;
    while (pos < seg.fileBytes) {
      const len = Math.min(buf.length, seg.fileBytes - pos);
      const got = this.readAt(seg, buf, 0, len, pos);
      let off = 0;
      for (;;) {
        const r = readRecord(buf, off, got, false);
        if (!r.ok) {
          if ('bad' in r) return;
          if (off === 0 && r.need > buf.length) buf = Buffer.allocUnsafe(r.need);
          break;
        }
        if (!each(r.entry, r.bytes)) return;
        off += r.bytes;
      }
      if (off === 0 && got === seg.fileBytes - pos) return;
      pos += off;
    }
  }

  private recoverSegment(file: string, prevSeq: bigint): Segment | undefined {
    const fd = this.files.openRw(file);
    const size = this.files.size(fd);
    const firstOrd = this.nextOrd;
    const firstCum = this.totalCum;
    let buf = Buffer.allocUnsafe(1024 * 1024);
    let pos = 0;
    let count = 0;
    let firstSeq = 0n;
    let lastSeq = prevSeq;
    let reason: string | undefined;
    scan: while (pos < size) {
      const got = this.files.read(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      let off = 0;
      for (;;) {
        const r = readRecord(buf, off, got, true);
        if (!r.ok) {
          if ('bad' in r) {
            reason = r.bad;
            pos += off;
            break scan;
          }
          if (pos + off + r.need > size) {
            reason = 'partial record';
            pos += off;
            break scan;
          }
          if (off === 0) buf = Buffer.allocUnsafe(r.need);
          break;
        }
        if (r.entry.seq <= lastSeq) {
          reason = 'seq not increasing';
          pos += off;
          break scan;
        }
        if (count === 0) firstSeq = r.entry.seq;
        lastSeq = r.entry.seq;
        count++;
        this.nextOrd++;
        this.totalCum += entryBytes(r.entry);
        off += r.bytes;
      }
      pos += off;
    }
    if (pos < size) {
      this.files.truncate(fd, pos);
      this.files.fdatasyncSync(fd);
      this.log.warn({ file: path.basename(file), droppedBytes: size - pos, kept: count, reason }, 'spool: truncated a torn or corrupt tail');
    }
    if (count === 0) {
      this.files.close(fd);
      this.files.unlink(file);
      return undefined;
    }
    this.files.close(fd);
    return { file, firstSeq, lastSeq, firstOrd, count, firstCum, cumBytes: this.totalCum - firstCum, fileBytes: pos };
  }

  private loadCursors(): void {
    try {
      const text = this.files.readText(path.join(this.dir, CURSORS_FILE));
      if (text === undefined) return;
      const o = JSON.parse(text) as { cursors?: Record<string, string> };
      for (const [name, seq] of Object.entries(o.cursors ?? {})) {
        if (/^\d+$/.test(seq)) this.saved.set(name, BigInt(seq));
      }
    } catch (err) {
      // Losing cursor positions means resending from the oldest record: duplicates, not loss.
      this.log.error({ err: (err as Error).message }, 'spool: cursors.json unreadable, cursors restart at the oldest record');
    }
  }

  private persistCursors(force: boolean): void {
    if (!this.savedDirty) return;
    const now = Date.now();
    if (!force && now - this.lastPersist < Math.max(this.fsyncMs, 200)) return;
    const cursors: Record<string, string> = {};
    for (const [name, seq] of this.saved) cursors[name] = seq.toString();
    try {
      this.files.writeTextAtomic(path.join(this.dir, CURSORS_FILE), JSON.stringify({ version: 1, cursors }) + '\n');
      this.savedDirty = false;
      this.lastPersist = now;
    } catch (err) {
      // Stale positions only cause redelivery; keep trying on later ticks.
      if (this.count('cursor_persist_errors') === 1) this.log.error({ err: errCode(err) }, 'spool: cannot write cursors.json');
    }
  }

  private tick(): void {
    this.immediate = undefined;
    if (this.closed) return;
    this.writePending();
    this.forgetStaleCursors();
    this.persistCursors(false);
  }

  /** Saved names no sink opened this run would otherwise sit in cursors.json forever. */
  private forgetStaleCursors(): void {
    if (this.staleChecked || this.openedNames.size === 0 || Date.now() - this.firstOpenAt < STALE_CURSOR_MS) return;
    this.staleChecked = true;
    const stale = [...this.saved.keys()].filter((n) => !this.openedNames.has(n));
    if (stale.length === 0) return;
    for (const name of stale) {
      this.saved.delete(name);
      this.preOpenLost.delete(name);
    }
    this.savedDirty = true;
    this.log.warn({ cursors: stale }, 'spool: forgetting cursors of sinks no longer configured');
  }

  /** Write every pending record, rolling segments; on a write error switch to memory mode. */
  private writePending(): void {
    if (this.unwrittenOrd >= this.nextOrd) return;
    if (this.mode === 'memory' && Date.now() < this.retryAt) return;
    const touched = new Set<Segment>();
    let batch: Buffer[] = [];
    let items: CacheItem[] = [];
    let batchBytes = 0;
    let target: Segment | undefined;
    const flushBatch = (): boolean => {
      if (!target || items.length === 0) return true;
      if (!this.writeBatch(target, batch, items, batchBytes)) return false;
      touched.add(target);
      batch = [];
      items = [];
      batchBytes = 0;
      return true;
    };
    let ok = true;
    for (let o = this.unwrittenOrd; o < this.nextOrd; o++) {
      const item = this.cached(o)!;
      const rec = item.rec!;
      const active = this.segments[this.segments.length - 1];
      const fits =
        active &&
        !active.sealed &&
        active.writeFd !== undefined &&
        active.firstOrd + active.count + items.length === o &&
        (active.fileBytes + batchBytes + rec.length <= this.segmentBytes || active.count + items.length === 0);
      if (!fits || batchBytes + rec.length > WRITE_BATCH) {
        if (!flushBatch()) {
          ok = false;
          break;
        }
      }
      if (!fits) {
        this.enforceMaxBytes(rec.length);
        const seg = this.createSegment(item);
        if (!seg) {
          ok = false;
          break;
        }
      }
      target = this.segments[this.segments.length - 1];
      batch.push(rec);
      items.push(item);
      batchBytes += rec.length;
    }
    if (ok) ok = flushBatch();
    for (const seg of touched) this.sync(seg);
    if (ok && this.mode === 'memory') {
      this.mode = 'disk';
      this.alarm = undefined;
      this.log.warn({ segments: this.segments.length }, 'spool: disk writable again, back to disk mode');
    }
    this.enforceMaxBytes(0);
    this.retain();
    this.evictCache();
  }

  private createSegment(item: CacheItem): Segment | undefined {
    const prev = this.segments[this.segments.length - 1];
    const file = path.join(this.dir, segName(item.entry.seq));
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
      this.diskFailed(err);
      return undefined;
    }
    if (prev && prev.writeFd !== undefined) {
      prev.closeAfterSync = true;
      this.sync(prev);
    }
    const seg: Segment = {
      file, firstSeq: item.entry.seq, lastSeq: item.entry.seq, firstOrd: item.ord, count: 0,
      firstCum: item.cumStart, cumBytes: 0, fileBytes: 0, writeFd: fd,
    };
    this.segments.push(seg);
    return seg;
  }

  private writeBatch(seg: Segment, bufs: Buffer[], items: CacheItem[], bytes: number): boolean {
    const data = bufs.length === 1 ? bufs[0] : Buffer.concat(bufs, bytes);
    let done = 0;
    try {
      while (done < data.length) done += this.files.write(seg.writeFd!, data, done, data.length - done, seg.fileBytes + done);
    } catch (err) {
      // Cut a partial write back so the segment ends on a whole record; if even that fails, never append there again.
      try {
        this.files.truncate(seg.writeFd!, seg.fileBytes);
      } catch {
        seg.sealed = true;
      }
      this.diskFailed(err);
      return false;
    }
    seg.fileBytes += data.length;
    this.diskBytes += data.length;
    for (const it of items) {
      seg.count++;
      seg.lastSeq = it.entry.seq;
      seg.cumBytes += it.bytes;
      it.rec = undefined;
    }
    this.unwrittenOrd = items[items.length - 1].ord + 1;
    this.unwrittenBytes -= bytes;
    return true;
  }

  private diskFailed(err: unknown): void {
    this.retryAt = Date.now() + this.retryMs;
    if (this.mode === 'memory') return;
    this.mode = 'memory';
    const code = errCode(err);
    this.alarm = `spool disk write failed (${code}): keeping up to ${this.memoryLimit} bytes in memory, retrying every ${this.retryMs} ms`;
    this.count('disk_errors');
    this.log.error({ err: code, dir: this.dir }, 'spool: disk write failed, switching to memory mode');
  }

  private sync(seg: Segment): void {
    if (seg.writeFd === undefined) return;
    if (seg.syncing) {
      seg.resync = true;
      return;
    }
    seg.syncing = true;
    this.syncsInFlight++;
    this.files.fdatasync(seg.writeFd, (err) => {
      seg.syncing = false;
      this.syncsInFlight--;
      if (err) {
        if (this.count('fsync_errors') === 1) this.log.error({ err: errCode(err), file: path.basename(seg.file) }, 'spool: fdatasync failed');
        // The disk may have dropped what the page cache held: never append to this segment
        // again, and go to memory mode with the alarm until a retry writes and syncs again.
        seg.sealed = true;
        this.diskFailed(err);
      }
      if (seg.resync && seg.writeFd !== undefined && !this.closed) {
        seg.resync = false;
        this.sync(seg);
      } else if (seg.closeAfterSync && seg.writeFd !== undefined) {
        this.files.close(seg.writeFd);
        seg.writeFd = undefined;
      }
      if (this.syncsInFlight === 0) for (const r of this.syncDone.splice(0)) r();
    });
  }

  private closeFds(seg: Segment): void {
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

  /** Delete oldest segments until `incoming` more bytes fit; records not yet committed count as drops. */
  private enforceMaxBytes(incoming: number): void {
    while (this.segments.length > 1 && this.diskBytes + incoming > this.maxBytes) this.deleteOldest(true);
  }

  /** Delete segments every cursor opened this run has committed past (names of removed sinks hold nothing). */
  private retain(): void {
    let min: bigint | undefined;
    for (const name of this.openedNames) {
      const seq = this.saved.get(name);
      if (seq !== undefined && (min === undefined || seq < min)) min = seq;
    }
    while (this.segments.length > 1 && min !== undefined && this.segments[0].lastSeq <= min) this.deleteOldest(false);
  }

  /** Records in `seg` after `seq` (a scan only when `seq` falls inside it). */
  private uncommittedIn(seg: Segment, seq: bigint): number {
    if (seq < seg.firstSeq) return seg.count;
    if (seq >= seg.lastSeq) return 0;
    let n = 0;
    this.scanSegment(seg, (e) => {
      if (e.seq > seq) n++;
      return true;
    });
    return n;
  }

  private deleteOldest(counted: boolean): void {
    const seg = this.segments[0];
    // Saved cursors that are not open: closed ones count now, ones not opened yet when they open.
    // Their losses are measured before the file goes.
    let lostAny = 0;
    const pending: [string, number][] = [];
    if (counted) {
      for (const [name, seq] of this.saved) {
        if (this.cursors.has(name) || seq >= seg.lastSeq) continue;
        const lost = this.uncommittedIn(seg, seq);
        if (this.openedNames.has(name)) lostAny = Math.max(lostAny, lost);
        else pending.push([name, lost]);
        this.saved.set(name, seg.lastSeq);
        this.savedDirty = true;
      }
    }
    this.segments.shift();
    this.diskBytes -= seg.fileBytes;
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
    const end: Pos = { ord: seg.firstOrd + seg.count, cum: seg.firstCum + seg.cumBytes, seq: seg.lastSeq };
    for (const c of this.cursors.values()) lostAny = Math.max(lostAny, c.passed(end, counted ? 'spool_full' : undefined));
    for (const [name, lost] of pending) {
      const p = this.preOpenLost.get(name) ?? { lost: 0, extra: 0 };
      p.lost += lost;
      p.extra += Math.max(0, lost - lostAny); // beyond what the spool counts now for live cursors
      this.preOpenLost.set(name, p);
    }
    // Commits are prefixes, so what the furthest-behind cursor lost is every record some cursor lost.
    if (lostAny > 0) {
      this.count('spool_full', lostAny);
      if (this.count('spool_full_events') === 1) this.log.warn({ maxBytes: this.maxBytes }, 'spool: full, oldest undelivered messages dropped');
    }
    this.holes = this.holes.filter((h) => h.to > end.ord);
  }

  /** While the disk fails, keep at most `memoryLimit` bytes of unwritten records; drop the oldest. */
  private dropUnwritten(): void {
    while (this.unwrittenBytes > this.memoryLimit && this.unwrittenOrd < this.nextOrd) {
      // Written entries before it are on disk anyway; evicting them keeps the cache contiguous.
      while (this.cacheLength() > 0 && this.cache[this.cacheHead].ord < this.unwrittenOrd) this.shiftCache();
      const it = this.shiftCache();
      this.unwrittenBytes -= it.rec!.length;
      this.unwrittenOrd = it.ord + 1;
      const last = this.holes[this.holes.length - 1];
      if (last && last.to === it.ord) {
        last.to++;
        last.cumTo += it.bytes;
      } else this.holes.push({ from: it.ord, to: it.ord + 1, cumFrom: it.cumStart, cumTo: it.cumStart + it.bytes });
      this.count('memory_full');
      for (const c of this.cursors.values()) c.lostInHole(it.ord);
    }
    this.compactCache();
  }

  private shiftCache(): CacheItem {
    const it = this.cache[this.cacheHead];
    this.cache[this.cacheHead] = undefined as unknown as CacheItem;
    this.cacheHead++;
    this.cacheBytes -= it.bytes + ITEM_OVERHEAD;
    return it;
  }

  private evictCache(): void {
    while (this.cacheBytes > this.cacheLimit && this.cacheLength() > 0 && this.cache[this.cacheHead].ord < this.unwrittenOrd) this.shiftCache();
    this.compactCache();
  }

  private compactCache(): void {
    if (this.cacheHead > 1024 && this.cacheHead * 2 > this.cache.length) {
      this.cache = this.cache.slice(this.cacheHead);
      this.cacheHead = 0;
    }
  }
}

/** Per-cursor reader of the segment files, with its own read-ahead buffer. */
class SegmentReader {
  seg: Segment | undefined;
  off = 0;
  ord = 0;
  cum = 0;
  private buf = Buffer.allocUnsafe(READ_CHUNK);
  private bufPos = 0;
  private bufLen = 0;

  constructor(private readonly spool: Spool) {}

  /** Record at ordinal `o` of `seg`, repositioning by scanning when needed. */
  read(seg: Segment, o: number): { entry: LogEntry; cum: number } | { bad: string } {
    if (this.seg !== seg || this.ord > o) {
      this.seg = seg;
      this.off = 0;
      this.ord = seg.firstOrd;
      this.cum = seg.firstCum;
      this.bufLen = 0;
    }
    for (;;) {
      const r = this.next(seg);
      if ('bad' in r) return r;
      if (this.ord - 1 === o) return { entry: r.entry, cum: this.cum };
    }
  }

  private next(seg: Segment): { entry: LogEntry } | { bad: string } {
    for (let attempt = 0; attempt < 3; attempt++) {
      const rel = this.off - this.bufPos;
      if (rel >= 0 && rel <= this.bufLen) {
        const r = readRecord(this.buf, rel, this.bufLen, true);
        if (r.ok) {
          this.off += r.bytes;
          this.ord++;
          this.cum += entryBytes(r.entry);
          return { entry: r.entry };
        }
        if ('bad' in r) return r;
        if (r.need > this.buf.length) this.buf = Buffer.allocUnsafe(r.need);
      }
      const want = Math.min(this.buf.length, seg.fileBytes - this.off);
      if (want <= 0) return { bad: 'read past end of segment' };
      this.bufPos = this.off;
      this.bufLen = this.spool.readAt(seg, this.buf, 0, want, this.off);
    }
    return { bad: 'short read' };
  }
}

/** A named, persisted reader of the spool. */
class DiskCursor implements SpoolCursor {
  readonly drops: Record<string, number> = {};
  private read: Pos;
  private commitPos: Pos;
  /** Delivered but not committed positions, to map commit(seq) to a position. */
  private delivered: Pos[] = [];
  private deliveredHead = 0;
  private waiter: ((e: LogEntry | undefined) => void) | undefined;
  private closed = false;
  private readonly reader: SegmentReader;

  constructor(
    private readonly spool: Spool,
    readonly name: string,
    private readonly limits: CursorLimits,
    committed: Pos,
    readonly replayUntil: bigint,
  ) {
    this.commitPos = committed;
    this.read = { ...committed };
    this.reader = new SegmentReader(spool);
  }

  get committed(): bigint {
    return this.commitPos.seq;
  }

  next(): Promise<LogEntry | undefined> {
    if (this.closed || this.spool.isClosed()) return Promise.resolve(undefined);
    const e = this.poll();
    if (e) return Promise.resolve(e);
    if (this.waiter) return Promise.reject(new Error(`cursor ${this.name}: concurrent next()`));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  poll(): LogEntry | undefined {
    if (this.closed) return undefined;
    let o = this.read.ord;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const where = this.spool.locate(o);
      if (!where) return undefined;
      if ('skipTo' in where) {
        this.read = { ...where.skipTo, seq: this.read.seq > where.skipTo.seq ? this.read.seq : where.skipTo.seq };
        o = this.read.ord;
        continue;
      }
      let entry: LogEntry;
      let cum: number;
      if ('item' in where) {
        entry = where.item.entry;
        cum = where.item.cumStart + where.item.bytes;
      } else {
        const r = this.reader.read(where.seg, o);
        if ('bad' in r) {
          // A record written this run that no longer reads back: skip the rest of that segment.
          const lost = where.seg.firstOrd + where.seg.count - o;
          this.count('spool_read', lost);
          this.read = { ord: where.seg.firstOrd + where.seg.count, cum: where.seg.firstCum + where.seg.cumBytes, seq: where.seg.lastSeq };
          o = this.read.ord;
          continue;
        }
        entry = r.entry;
        cum = r.cum;
      }
      this.read = { ord: o + 1, cum, seq: entry.seq };
      this.delivered.push(this.read);
      return entry;
    }
    return undefined;
  }

  commit(seq: bigint): void {
    let pos: Pos | undefined;
    while (this.deliveredHead < this.delivered.length && this.delivered[this.deliveredHead].seq <= seq) {
      pos = this.delivered[this.deliveredHead++];
    }
    if (this.deliveredHead > 1024 && this.deliveredHead * 2 > this.delivered.length) {
      this.delivered = this.delivered.slice(this.deliveredHead);
      this.deliveredHead = 0;
    }
    if (!pos || pos.ord <= this.commitPos.ord) return;
    this.commitPos = pos;
    this.spool.committedChanged(this.name, pos.seq);
  }

  rewind(): void {
    this.read = { ...this.commitPos };
    this.delivered = [];
    this.deliveredHead = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
    this.spool.cursorClosed(this.name);
  }

  backlog(): { messages: number; bytes: number } {
    const holes = this.spool.holesAfter(this.commitPos.ord);
    return {
      messages: Math.max(0, this.spool.appendedOrd - this.commitPos.ord - holes.messages),
      bytes: Math.max(0, this.spool.appendedCum - this.commitPos.cum - holes.bytes),
    };
  }

  /** @internal New entry appended: enforce limits, wake a waiting reader. */
  appended(): void {
    const b = this.backlog();
    if (b.messages > this.limits.maxMessages || b.bytes > this.limits.maxBytes) this.overflow(b);
    if (this.waiter) {
      const e = this.poll();
      if (e) {
        const w = this.waiter;
        this.waiter = undefined;
        w(e);
      }
    }
  }

  private overflow(b: { messages: number; bytes: number }): void {
    // Skip an eighth beyond the limit so the skip (which may scan) is amortised over many appends.
    const excessMsgs = b.messages - Math.floor(this.limits.maxMessages * 7 / 8);
    const byBytes = b.bytes > this.limits.maxBytes ? Math.ceil((b.messages * (b.bytes - (this.limits.maxBytes * 7) / 8)) / Math.max(1, b.bytes)) : 0;
    const skip = Math.max(excessMsgs, byBytes, 1);
    const pos = this.spool.skipPosition(this.commitPos.ord + skip);
    this.passed(pos, 'overflow');
  }

  /** @internal Everything before `end` is gone: count what this cursor never committed, move past it. */
  passed(end: Pos, cause: string | undefined): number {
    if (end.ord <= this.commitPos.ord) return 0;
    const holes = this.spool.holesAfter(this.commitPos.ord).messages - this.spool.holesAfter(end.ord).messages;
    const lost = end.ord - this.commitPos.ord - holes;
    if (cause && lost > 0) this.count(cause, lost);
    this.commitPos = end;
    this.spool.committedChanged(this.name, end.seq);
    if (this.read.ord < end.ord) this.read = { ...end };
    while (this.deliveredHead < this.delivered.length && this.delivered[this.deliveredHead].ord <= end.ord) this.deliveredHead++;
    return lost;
  }

  /** @internal Entry `ord` was dropped from RAM before reaching the disk. */
  lostInHole(ord: number): void {
    if (ord >= this.commitPos.ord) this.count('spool_full');
  }

  /** @internal Records lost before this cursor opened. */
  countDrop(cause: string, n: number): void {
    this.count(cause, n);
  }

  private count(cause: string, n = 1): void {
    this.drops[cause] = (this.drops[cause] ?? 0) + n;
  }
}
