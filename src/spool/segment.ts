import type { RecordFormat } from './record';

/** A segment file's bookkeeping, shared by the store (segments.ts) and its recovery (segment-recovery.ts). */

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
  /** What the last successful fdatasync covered: records [0, count), bytes [0, bytes). */
  synced?: { count: number; bytes: number };
  /**
   * An fdatasync failed: the records after `synced` may not be on the disk even if a later one
   * succeeds (the kernel may drop pages it could not flush), until they are written again.
   */
  unsynced?: boolean;
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
