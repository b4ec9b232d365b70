import { entryBytes, type CursorLimits, type LogCursor, type LogEntry } from '../pipeline/message-log';
import { DropCounter } from '../util/drop-counter';
import { Fifo } from '../util/fifo';
import { readRecord, RECORD_OVERHEAD } from './record';
import { indexedOrdinals, type Segment, type SegmentStore } from './segments';
import type { CacheItem } from './tail-cache';

/**
 * A durable sink's cursor over the spool: its read and commit positions, what it has delivered
 * but not committed, and its own read-ahead over the segment files. It sees the spool only
 * through {@link CursorHost}; the spool tells it about appends and deletions.
 */

/** A position in the log: `ord` is the next ordinal to read, `cum` the frame bytes before it, `seq` the last seq passed. */
export interface Pos {
  ord: number;
  cum: number;
  seq: bigint;
}

/** Where an ordinal lives: in a segment file, in the RAM tail, or nowhere (skip to the next available position). */
export type Location = { seg: Segment } | { item: CacheItem } | { skipTo: Pos };

/** What a cursor needs from the spool. */
export interface CursorHost {
  isClosed(): boolean;
  /** Where ordinal `o` lives, undefined at the end; whatever it points to is already in the segment file (or the disk is failing). */
  locate(o: number): Location | undefined;
  /** The position just after the last appended entry. */
  end(): Pos;
  /** Messages and bytes lost in holes at or after `ord`. */
  holesAfter(ord: number): { messages: number; bytes: number };
  /** The nearest position at or after ordinal `o` that needs no scan (whole segments or the RAM tail). */
  skipPosition(o: number): Pos;
  /** The cursor's committed seq moved to `seq`. */
  committed(name: string, seq: bigint): void;
  /** The cursor closed. */
  released(name: string): void;
}

const READ_CHUNK = 64 * 1024;

/** What a reader needs of the segment files. */
export type SegmentAccess = Pick<SegmentStore, 'readAt' | 'pastDamage'>;

/** Per-cursor reader of the segment files, with its own read-ahead buffer. */
export class SegmentReader {
  private seg: Segment | undefined;
  private off = 0;
  private ord = 0;
  private cum = 0;
  private lastSeq = 0n;
  private lastIndex = -1;
  private buf = Buffer.allocUnsafe(READ_CHUNK);
  private bufPos = 0;
  private bufLen = 0;

  constructor(private readonly store: SegmentAccess) {}

  /**
   * The record at ordinal `o` of `seg` (repositioning by scanning when needed), or the first
   * valid one after it when damage took `o`: `ord` says which.
   */
  read(seg: Segment, o: number): { entry: LogEntry; cum: number; ord: number } | { bad: string } {
    if (this.seg !== seg || this.ord > o) {
      this.seg = seg;
      this.off = 0;
      this.ord = seg.firstOrd;
      this.cum = seg.firstCum;
      this.lastSeq = seg.firstSeq - 1n;
      this.lastIndex = -1;
      this.bufLen = 0;
    }
    for (;;) {
      const r = this.next(seg);
      if ('bad' in r) {
        if (!indexedOrdinals(seg)) return r;
        // Damage not seen at open: go on at the next valid record, whose index is its ordinal.
        const hole = this.store.pastDamage(seg, this.off, this.lastSeq, this.lastIndex);
        if (hole.index >= seg.count) return r;
        this.off = hole.to;
        this.ord = seg.firstOrd + hole.index;
        this.cum = seg.firstCum + hole.to - hole.index * RECORD_OVERHEAD;
        this.lastIndex = hole.index - 1;
        continue;
      }
      if (this.ord - 1 >= o) return { entry: r.entry, cum: this.cum, ord: this.ord - 1 };
    }
  }

  private next(seg: Segment): { entry: LogEntry } | { bad: string } {
    // Damaged stretches found at recovery hold no records: hop over them.
    const skip = seg.skips?.find((s) => s[0] === this.off);
    if (skip) this.off = skip[1];
    for (let attempt = 0; attempt < 3; attempt++) {
      const rel = this.off - this.bufPos;
      if (rel >= 0 && rel <= this.bufLen) {
        const r = readRecord(this.buf, rel, this.bufLen, seg.format);
        if (r.ok && r.entry.seq > this.lastSeq && (seg.format === 1 || r.index > this.lastIndex)) {
          this.off += r.bytes;
          this.ord++;
          this.cum += entryBytes(r.entry);
          this.lastSeq = r.entry.seq;
          this.lastIndex = r.index;
          return { entry: r.entry };
        }
        if (r.ok) return { bad: 'record out of order' };
        if ('bad' in r) return r;
        if (this.off + r.need > seg.fileBytes) return { bad: 'record runs past the end of the segment' };
        if (r.need > this.buf.length) this.buf = Buffer.allocUnsafe(r.need);
      }
      const want = Math.min(this.buf.length, seg.fileBytes - this.off);
      if (want <= 0) return { bad: 'read past end of segment' };
      this.bufPos = this.off;
      this.bufLen = this.store.readAt(seg, this.buf, 0, want, this.off);
    }
    return { bad: 'short read' };
  }
}

/** A named, persisted reader of the spool. */
export class DiskCursor implements LogCursor {
  private readonly dropCounter = new DropCounter();
  private read: Pos;
  private commitPos: Pos;
  /** Delivered but not committed positions, to map commit(seq) to a position. */
  private delivered = new Fifo<Pos>();
  private waiter: ((e: LogEntry | undefined) => void) | undefined;
  private wakeQueued = false;
  private isClosed = false;
  private readonly reader: SegmentReader;

  constructor(
    private readonly host: CursorHost,
    store: SegmentAccess,
    readonly name: string,
    private readonly limits: CursorLimits,
    committed: Pos,
    readonly replayUntil: bigint,
  ) {
    this.commitPos = committed;
    this.read = { ...committed };
    this.reader = new SegmentReader(store);
  }

  get committed(): bigint {
    return this.commitPos.seq;
  }

  /** Ordinal of the first entry this cursor has not committed. */
  get committedOrd(): number {
    return this.commitPos.ord;
  }

  get drops(): Record<string, number> {
    return this.dropCounter.byCause;
  }

  next(): Promise<LogEntry | undefined> {
    if (this.isClosed || this.host.isClosed()) return Promise.resolve(undefined);
    const e = this.poll();
    if (e) return Promise.resolve(e);
    if (this.waiter) return Promise.reject(new Error(`cursor ${this.name}: concurrent next()`));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  poll(): LogEntry | undefined {
    if (this.isClosed) return undefined;
    let o = this.read.ord;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const where = this.host.locate(o);
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
          // Nothing valid reads back from here on: skip the rest of that segment.
          const seg = where.seg;
          this.dropCounter.count('corrupt', seg.firstOrd + seg.count - o);
          this.read = { ord: seg.firstOrd + seg.count, cum: seg.firstCum + seg.cumBytes, seq: seg.lastSeq };
          o = this.read.ord;
          continue;
        }
        entry = r.entry;
        cum = r.cum;
        if (r.ord > o) {
          this.dropCounter.count('corrupt', r.ord - o);
          o = r.ord;
        }
      }
      this.read = { ord: o + 1, cum, seq: entry.seq };
      this.delivered.push(this.read);
      return entry;
    }
    return undefined;
  }

  commit(seq: bigint): void {
    let pos: Pos | undefined;
    while ((this.delivered.peek()?.seq ?? seq + 1n) <= seq) pos = this.delivered.shift();
    if (!pos || pos.ord <= this.commitPos.ord) return;
    this.commitPos = pos;
    this.host.committed(this.name, pos.seq);
  }

  rewind(): void {
    this.read = { ...this.commitPos };
    this.delivered.clear();
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
    this.host.released(this.name);
  }

  backlog(): { messages: number; bytes: number } {
    const holes = this.host.holesAfter(this.commitPos.ord);
    const end = this.host.end();
    return {
      messages: Math.max(0, end.ord - this.commitPos.ord - holes.messages),
      bytes: Math.max(0, end.cum - this.commitPos.cum - holes.bytes),
    };
  }

  /** An entry was appended: enforce the limits, wake a waiting reader. */
  appended(): void {
    const b = this.backlog();
    if (b.messages > this.limits.maxMessages || b.bytes > this.limits.maxBytes) this.overflow(b);
    if (this.waiter && !this.wakeQueued) {
      // Woken once per synchronous burst of appends, so the write-ahead costs one write per burst.
      this.wakeQueued = true;
      queueMicrotask(this.wake);
    }
  }

  private readonly wake = (): void => {
    this.wakeQueued = false;
    const w = this.waiter;
    if (!w || this.isClosed) return;
    const e = this.poll();
    if (!e) return;
    this.waiter = undefined;
    w(e);
  };

  /** Everything before `end` is gone: count what this cursor never committed under `cause`, move past it. */
  passed(end: Pos, cause: string | undefined): number {
    if (end.ord <= this.commitPos.ord) return 0;
    const holes = this.host.holesAfter(this.commitPos.ord).messages - this.host.holesAfter(end.ord).messages;
    const lost = end.ord - this.commitPos.ord - holes;
    if (cause && lost > 0) this.dropCounter.count(cause, lost);
    this.commitPos = end;
    this.host.committed(this.name, end.seq);
    if (this.read.ord < end.ord) this.read = { ...end };
    while ((this.delivered.peek()?.ord ?? end.ord + 1) <= end.ord) this.delivered.shift();
    return lost;
  }

  /** Entry `ord` was dropped from RAM before reaching the disk. */
  lostInHole(ord: number): void {
    if (ord >= this.commitPos.ord) this.dropCounter.count('spool_full');
  }

  /** Records lost before this cursor opened. */
  countDrop(cause: string, n: number): void {
    this.dropCounter.count(cause, n);
  }

  private overflow(b: { messages: number; bytes: number }): void {
    // Skip an eighth beyond the limit so the skip (which may scan) is amortised over many appends.
    const excessMsgs = b.messages - Math.floor((this.limits.maxMessages * 7) / 8);
    const byBytes = b.bytes > this.limits.maxBytes ? Math.ceil((b.messages * (b.bytes - (this.limits.maxBytes * 7) / 8)) / Math.max(1, b.bytes)) : 0;
    const skip = Math.max(excessMsgs, byBytes, 1);
    this.passed(this.host.skipPosition(this.commitPos.ord + skip), 'overflow');
  }
}
