import type { Logger } from '../util/log';
import type { DropCounter } from '../util/drop-counter';
import type { DiskCursor, Pos } from './disk-cursor';
import type { SavedCursors } from './saved-cursors';
import type { Segment, SegmentStore } from './segments';
import type { TailCache } from './tail-cache';

/**
 * Which segments may go, and what their deletion costs: segments every sink opened this run has
 * committed past go silently; `max_bytes` deletes the oldest anyway and counts, once per record,
 * what some cursor (open, closed, or saved but not opened yet) had not committed.
 */

/** The spool's parts retention works on. */
export interface RetentionParts {
  segments: SegmentStore;
  saved: SavedCursors;
  cache: TailCache;
  cursors: ReadonlyMap<string, DiskCursor>;
  drops: DropCounter;
  log: Logger;
}

/** The retention policy of one spool. */
export class Retention {
  /** Records deleted by max_bytes before a saved cursor opened (`extra`: not counted for a live cursor): counted when it opens. */
  private readonly preOpenLost = new Map<string, { lost: number; extra: number }>();
  private preOpenCounted = 0;

  constructor(
    private readonly p: RetentionParts,
    private readonly maxBytes: number,
  ) {}

  /** A cursor opened: it sees what max_bytes deleted from under its saved position before. */
  opened(c: DiskCursor): void {
    const pre = this.preOpenLost.get(c.name);
    this.preOpenLost.delete(c.name);
    if (!pre || pre.lost === 0) return;
    c.countDrop('spool_full', pre.lost);
    // Unopened saved positions move to the same segment ends, so the furthest-behind one's extra covers the others'.
    if (pre.extra > this.preOpenCounted) this.p.drops.count('spool_full', pre.extra - this.preOpenCounted);
    this.preOpenCounted = Math.max(this.preOpenCounted, pre.extra);
  }

  /** A saved name was forgotten (its sink is no longer configured). */
  forget(name: string): void {
    this.preOpenLost.delete(name);
  }

  /** Delete oldest segments until `incoming` more bytes fit; records not yet committed count as drops. */
  enforceMaxBytes(incoming: number): void {
    while (this.p.segments.length > 1 && this.p.segments.bytes + incoming > this.maxBytes) this.deleteOldest(true);
  }

  /** Delete segments every cursor opened this run has committed past (names of removed sinks hold nothing). */
  releaseCommitted(): void {
    const min = this.p.saved.minOpened();
    while (this.p.segments.length > 1 && min !== undefined && this.p.segments.first()!.lastSeq <= min) this.deleteOldest(false);
  }

  /** Records in `seg` after `seq` (a scan only when `seq` falls inside it). */
  private uncommittedIn(seg: Segment, seq: bigint): number {
    if (seq < seg.firstSeq) return seg.count;
    if (seq >= seg.lastSeq) return 0;
    let n = 0;
    this.p.segments.scan(seg, (r) => {
      if (r.seq > seq) n++;
      return true;
    });
    return n;
  }

  private deleteOldest(counted: boolean): void {
    const seg = this.p.segments.first()!;
    // Saved cursors that are not open: closed ones count now, ones not opened yet when they open.
    // Their losses are measured before the file goes.
    let lostAny = 0;
    const pending: [string, number][] = [];
    if (counted) {
      for (const [name, seq] of [...this.p.saved.entries()]) {
        if (this.p.cursors.has(name) || seq >= seg.lastSeq) continue;
        const lost = this.uncommittedIn(seg, seq);
        if (this.p.saved.wasOpened(name)) lostAny = Math.max(lostAny, lost);
        else pending.push([name, lost]);
        this.p.saved.set(name, seg.lastSeq);
      }
    }
    this.p.segments.deleteOldest();
    const end: Pos = { ord: seg.firstOrd + seg.count, cum: seg.firstCum + seg.cumBytes, seq: seg.lastSeq };
    for (const c of this.p.cursors.values()) lostAny = Math.max(lostAny, c.passed(end, counted ? 'spool_full' : undefined));
    for (const [name, lost] of pending) {
      const p = this.preOpenLost.get(name) ?? { lost: 0, extra: 0 };
      p.lost += lost;
      p.extra += Math.max(0, lost - lostAny); // beyond what the spool counts now for live cursors
      this.preOpenLost.set(name, p);
    }
    // Commits are prefixes, so what the furthest-behind cursor lost is every record some cursor lost.
    if (lostAny > 0) {
      this.p.drops.count('spool_full', lostAny);
      if (this.p.drops.count('spool_full_events') === 1) this.p.log.warn({ maxBytes: this.maxBytes }, 'spool: full, oldest undelivered messages dropped');
    }
    this.p.cache.forgetHolesBefore(end.ord);
  }
}
