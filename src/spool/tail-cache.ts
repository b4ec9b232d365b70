import type { LogEntry } from '../pipeline/message-log';
import { Fifo } from '../util/fifo';
import { RECORD_OVERHEAD } from './record';

/**
 * The spool's RAM tail: the most recent entries (so live readers never touch the disk), the
 * ones not yet written (kept until the segment write succeeds), and the holes left when the
 * disk failed long enough that unwritten entries had to be dropped from RAM.
 */

/** One entry in the tail, at ordinal `ord`, after `cumStart` frame bytes; `bytes` are its own. */
export interface CacheItem {
  entry: LogEntry;
  ord: number;
  cumStart: number;
  bytes: number;
}

/** Ordinals lost while the disk was failing (dropped from RAM before they could be written). */
interface Hole {
  from: number;
  to: number;
  cumFrom: number;
  cumTo: number;
}

/**
 * Heap cost of one cached entry beyond its frame bytes (item, entry, bigint seq, frames array, 3
 * Buffer views): measured 494 B per entry with --expose-gc on Node 20 (heapUsed over 20,000
 * entries of encodeFrames); 320 let a 4 MiB tail hold ~5.5 MiB.
 */
const ITEM_OVERHEAD = 500;

/** Contiguous ordinals [head.ord, next) in RAM; those from `unwrittenOrd` on still have to reach the disk. */
export class TailCache {
  private readonly items = new Fifo<CacheItem>();
  private heapBytes = 0;
  private holes: Hole[] = [];
  /** First ordinal not yet written. */
  unwrittenOrd = 0;
  /** Record bytes waiting for the disk. */
  unwrittenBytes = 0;
  /** Entries from this ordinal on stay in RAM: a failed fdatasync left them to be written again (see unsynced.ts). */
  pinnedFrom = Infinity;

  constructor(private readonly limit: number) {}

  push(item: CacheItem): void {
    this.items.push(item);
    this.heapBytes += item.bytes + ITEM_OVERHEAD;
    this.unwrittenBytes += item.bytes + RECORD_OVERHEAD;
  }

  /** The cached entry at ordinal `o`, if it is in RAM. */
  at(o: number): CacheItem | undefined {
    const head = this.items.peek();
    return head ? this.items.at(o - head.ord) : undefined;
  }

  /** The oldest entry in RAM. */
  head(): CacheItem | undefined {
    return this.items.peek();
  }

  /** The first entry at or after `seq`. */
  findSeq(seq: bigint): CacheItem | undefined {
    for (const it of this.items) if (it.entry.seq > seq) return it;
    return undefined;
  }

  /** Entries before ordinal `to` have been written (`recBytes` of records). */
  written(to: number, recBytes: number): void {
    this.unwrittenOrd = to;
    this.unwrittenBytes -= recBytes;
  }

  /**
   * Release written entries, oldest first: those beyond the RAM limit, and those before
   * `releasable` (the lowest ordinal any open cursor has not committed), which no reader will
   * ask for again (a rewind goes back to the committed position, a reopened cursor reads the
   * segment files). So at a steady rate, with every sink keeping up, an entry leaves RAM
   * milliseconds after its last ack and dies young in V8's new space: the profile of the steady
   * bench had the 4 MiB tail promoted to the old generation and ~9 MB of dead entries waiting
   * there for a full collection.
   */
  evict(releasable = 0): void {
    for (let h = this.items.peek(); h && h.ord < this.unwrittenOrd && h.ord < this.pinnedFrom && (this.heapBytes > this.limit || h.ord < releasable); h = this.items.peek()) this.shift();
  }

  /** Entries held in RAM (written or not). */
  get length(): number {
    return this.items.length;
  }

  /**
   * While the disk fails: drop the oldest unwritten entry from RAM (and the written ones before
   * it, which are on disk anyway) and remember its ordinal as a hole. Undefined when none is left.
   */
  dropOldestUnwritten(end: number): CacheItem | undefined {
    if (this.unwrittenOrd >= end) return undefined;
    while ((this.items.peek()?.ord ?? end) < this.unwrittenOrd) this.shift();
    const it = this.shift();
    this.unwrittenBytes -= it.bytes + RECORD_OVERHEAD;
    this.unwrittenOrd = it.ord + 1;
    const last = this.holes[this.holes.length - 1];
    if (last && last.to === it.ord) {
      last.to++;
      last.cumTo += it.bytes;
    } else this.holes.push({ from: it.ord, to: it.ord + 1, cumFrom: it.cumStart, cumTo: it.cumStart + it.bytes });
    return it;
  }

  /** Messages and bytes in holes at or after `ord` (for backlogs). */
  holesAfter(ord: number): { messages: number; bytes: number } {
    let messages = 0;
    let bytes = 0;
    for (const h of this.holes) {
      if (h.to <= ord) continue;
      messages += h.to - Math.max(h.from, ord);
      bytes += h.cumTo - h.cumFrom; // a partial hole under a cursor is rare: approximate
    }
    return { messages, bytes };
  }

  /** Holes before `ord` no longer matter (their segment range is gone). */
  forgetHolesBefore(ord: number): void {
    if (this.holes.length > 0) this.holes = this.holes.filter((h) => h.to > ord);
  }

  private shift(): CacheItem {
    const it = this.items.shift()!;
    this.heapBytes -= it.bytes + ITEM_OVERHEAD;
    return it;
  }
}
