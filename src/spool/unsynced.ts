/**
 * After a failed fdatasync the kernel may drop the pages it could not flush, and a later
 * fdatasync then succeeds without them: the records a segment took after its last good sync are
 * of unknown durability until they are written again. The RAM tail keeps them (pinned from
 * `unsyncedFrom`), and once the disk works again they are rewritten byte for byte and synced.
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
 * Rewrite and fdatasync the unconfirmed tail of every segment; returns the records rewritten.
 * Records no longer in RAM (the disk failed so long that RAM overflowed) cannot be: counted as
 * `fsync_unrewritten`. Throws on the first I/O error; what is left stays unconfirmed and pinned.
 */
export function rewriteUnsynced(segments: SegmentStore, cache: TailCache, drops: DropCounter, log: Logger): number {
  let records = 0;
  try {
    for (const seg of segments.list) {
      if (!seg.unsynced) continue;
      const from = seg.firstOrd + (seg.synced?.count ?? 0);
      const to = seg.firstOrd + seg.count;
      const first = Math.min(to, Math.max(from, cache.head()?.ord ?? to));
      if (first > from) {
        drops.count('fsync_unrewritten', first - from);
        log.error({ file: seg.file, records: first - from }, 'spool: records of a failed fdatasync were no longer in RAM to write again; they may be lost after a power cut');
      }
      let bytes = 0;
      for (let o = first; o < to; o++) bytes += cache.at(o)!.bytes + RECORD_OVERHEAD;
      const data = Buffer.allocUnsafe(bytes);
      for (let o = first, off = 0; o < to; o++) off += encodeRecordInto(data, off, cache.at(o)!.entry, o - seg.firstOrd);
      segments.rewriteUnsynced(seg, data);
      records += to - first;
    }
  } finally {
    cache.pinnedFrom = unsyncedFrom(segments);
  }
  return records;
}
