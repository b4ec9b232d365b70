/**
 * After a failed fdatasync the kernel may drop the pages it could not flush, and a later
 * fdatasync then succeeds without them: the records a segment took after its last good sync are
 * of unknown durability until they are written again. The RAM tail keeps them (pinned from
 * `unsyncedFrom`), and once the disk works again they are rewritten byte for byte and synced,
 * before anything new is written: while that fails, new records wait in RAM, bounded as in
 * memory mode.
 */
import type { DropCounter } from '../util/drop-counter';
import type { Logger } from '../util/log';
import { encodeRecordInto, RECORD_OVERHEAD } from './record';
import type { SegmentStore } from './segments';
import type { TailCache } from './tail-cache';

/** The first ordinal a failed sync left unconfirmed; Infinity when there is none. */
export function unsyncedFrom(segments: SegmentStore): number {
  let from = Infinity;
  for (const seg of segments.list) if (seg.unsynced) from = Math.min(from, seg.firstOrd + (seg.synced?.count ?? 0));
  return from;
}

/**
 * What the sinks have: ordinals below `ord` are committed by every open cursor; `unopenedSeq`
 * is the lowest saved position of a sink whose cursor is not open (undefined: none).
 */
export interface Delivered {
  ord: number;
  unopenedSeq: bigint | undefined;
}

/**
 * Rewrite and fdatasync the unconfirmed tail of every segment. False while that cannot be done
 * yet: an I/O error (passed to `failed`) or a sync of the segment still running (its outcome
 * may concern these pages too). Delivered records need no rescue; others no longer in RAM (the
 * disk failed so long that RAM overflowed) are counted as `fsync_unrewritten`.
 */
export function rewriteUnsynced(segments: SegmentStore, cache: TailCache, delivered: Delivered, drops: DropCounter, log: Logger, failed: (err: unknown) => void): boolean {
  let records = 0;
  try {
    for (const seg of segments.list) {
      if (!seg.unsynced) continue;
      if (seg.syncing) return false;
      const from = seg.firstOrd + (seg.synced?.count ?? 0);
      const to = seg.firstOrd + seg.count;
      const first = Math.min(to, Math.max(from, cache.head()?.ord ?? to));
      let bytes = 0;
      for (let o = first; o < to; o++) bytes += cache.at(o)!.bytes + RECORD_OVERHEAD;
      const data = Buffer.allocUnsafe(bytes);
      for (let o = first, off = 0; o < to; o++) off += encodeRecordInto(data, off, cache.at(o)!.entry, o - seg.firstOrd);
      segments.rewriteUnsynced(seg, data);
      records += to - first;
      // Counted once, when the segment is settled (a failed attempt is retried and would count again).
      // A sink that is not open may lack any of them (its records are not in RAM to tell).
      const behind = delivered.unopenedSeq !== undefined && delivered.unopenedSeq < seg.lastSeq;
      const lost = first - (behind ? from : Math.max(from, delivered.ord));
      if (lost > 0) {
        drops.count('fsync_unrewritten', lost);
        log.error({ file: seg.file, records: lost }, 'spool: records of a failed fdatasync were no longer in RAM to write again; a power cut may take them');
      }
    }
  } catch (err) {
    failed(err);
    return false;
  } finally {
    cache.pinnedFrom = unsyncedFrom(segments);
    if (records > 0) log.warn({ records }, 'spool: wrote the records of a failed fdatasync again');
  }
  return true;
}
