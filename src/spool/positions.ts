import type { Location, Pos } from './disk-cursor';
import { RECORD_OVERHEAD } from './record';
import { indexedOrdinals, type SegmentStore } from './segments';
import type { TailCache } from './tail-cache';

/**
 * Addressing in the spool: which segment or cache slot holds an ordinal, where a saved seq
 * resumes, and where a cursor that must skip ahead can land without scanning a file.
 */
export class LogPositions {
  constructor(
    private readonly segments: SegmentStore,
    private readonly cache: TailCache,
    /** The position just after the last appended entry. */
    readonly end: () => Pos,
  ) {}

  /** Where ordinal `o` lives: a segment, the cache, or the next available position after a hole. */
  locate(o: number): Location | undefined {
    const end = this.end();
    if (o >= end.ord) return undefined;
    const item = this.cache.at(o);
    if (item) return { item };
    const seg = this.segments.find(o);
    if (seg && o >= seg.firstOrd) return { seg };
    if (seg) return { skipTo: { ord: seg.firstOrd, cum: seg.firstCum, seq: seg.firstSeq - 1n } };
    const head = this.cache.head();
    if (head && head.ord > o) return { skipTo: { ord: head.ord, cum: head.cumStart, seq: head.entry.seq - 1n } };
    return { skipTo: end };
  }

  /** Move a cursor forward by whole segments/cache so its backlog fits (`drop-oldest`). */
  skipPosition(targetOrd: number): Pos {
    const end = this.end();
    const where = this.locate(targetOrd);
    if (!where) return end;
    if ('item' in where) return { ord: where.item.ord, cum: where.item.cumStart, seq: where.item.entry.seq - 1n };
    if ('skipTo' in where) return where.skipTo;
    // Inside a segment: jump to its end rather than scan the file for an exact position.
    const o = where.seg.firstOrd + where.seg.count;
    const w = this.locate(o);
    if (!w) return end;
    if ('item' in w) return { ord: w.item.ord, cum: w.item.cumStart, seq: w.item.entry.seq - 1n };
    if ('skipTo' in w) return w.skipTo;
    return w.seg.firstOrd === o ? { ord: o, cum: w.seg.firstCum, seq: w.seg.firstSeq - 1n } : end;
  }

  /** The oldest retained entry's position (its seq, not the one before). */
  first(): Pos | undefined {
    const seg = this.segments.first();
    if (seg) return { ord: seg.firstOrd, cum: seg.firstCum, seq: seg.firstSeq };
    const head = this.cache.head();
    if (head) return { ord: head.ord, cum: head.cumStart, seq: head.entry.seq };
    return undefined;
  }

  /** First position after `seq` (entries are in seq order). */
  afterSeq(seq: bigint): Pos {
    for (const seg of this.segments.list) {
      if (seg.lastSeq <= seq) continue;
      if (seg.firstSeq > seq) return { ord: seg.firstOrd, cum: seg.firstCum, seq };
      let ord = seg.firstOrd;
      let cum = seg.firstCum;
      const byIndex = indexedOrdinals(seg);
      this.segments.scan(seg, (r) => {
        if (r.seq > seq) return false;
        if (byIndex) {
          // Records lost to damage found while reading keep their ordinals: go by the index.
          ord = seg.firstOrd + r.index + 1;
          cum = seg.firstCum + r.off + r.bytes - (r.index + 1) * RECORD_OVERHEAD;
        } else {
          ord++;
          cum += r.frameBytes;
        }
        return true;
      });
      return { ord, cum, seq };
    }
    const it = this.cache.findSeq(seq);
    if (it) return { ord: it.ord, cum: it.cumStart, seq };
    return { ...this.end(), seq };
  }
}
