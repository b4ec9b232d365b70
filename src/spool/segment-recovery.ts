import path from 'node:path';
import type { Logger } from '../util/log';
import type { SpoolFiles } from './files';
import { checkRecord, MAGIC_BYTES, RECORD_OVERHEAD } from './record';
import { scanRecords } from './record-scan';
import type { Damage, LogEnd, Segment } from './segment';

/**
 * Opening one segment file at start: the fast path that reads only its first and last record,
 * and the full scan that keeps every valid record and cuts a torn tail. SegmentStore.recover
 * runs them over the files in order.
 */

/** Bytes read at the start and the end of an older segment for the fast start (records are far smaller). */
const QUICK_HEAD = 4096;
const QUICK_TAIL = 16 * 1024;

/**
 * Fast start: a version-2 segment whose first record (index 0) and last record (ending exactly
 * at the end of the file) are valid and in order is taken from them without reading the rest:
 * count from the last index, frame bytes from the size. Anything else: undefined (full scan).
 * Damage in between is found, counted and skipped when a reader reaches it.
 */
export function quickOpen(files: SpoolFiles, file: string, start: LogEnd): Segment | undefined {
  const fd = files.openRead(file);
  try {
    const size = files.size(fd);
    let buf = Buffer.allocUnsafe(Math.min(size, QUICK_HEAD));
    let first = checkRecord(buf, 0, files.read(fd, buf, 0, buf.length, 0));
    if (!first.ok && 'need' in first && first.need <= size) {
      buf = Buffer.allocUnsafe(first.need);
      first = checkRecord(buf, 0, files.read(fd, buf, 0, buf.length, 0));
    }
    if (!first.ok || first.index !== 0 || first.seq <= start.seq) return undefined;
    buf = Buffer.allocUnsafe(Math.min(size, QUICK_TAIL));
    const tailLen = files.read(fd, buf, 0, buf.length, size - buf.length);
    if (tailLen !== buf.length) return undefined;
    for (let p = buf.lastIndexOf(MAGIC_BYTES, tailLen - 4); p >= 0; p = p > 0 ? buf.lastIndexOf(MAGIC_BYTES, p - 1) : -1) {
      const last = checkRecord(buf, p, tailLen);
      if (!last.ok) continue;
      const count = last.index + 1;
      const cum = size - count * RECORD_OVERHEAD;
      if (p + last.bytes !== tailLen || last.seq < first.seq || cum < 0 || (count === 1) !== (size === first.bytes)) return undefined;
      return { file, format: 2, firstSeq: first.seq, lastSeq: last.seq, firstOrd: start.ord, count, firstCum: start.cum, cumBytes: cum, fileBytes: size };
    }
    return undefined;
  } finally {
    files.close(fd);
  }
}

export function recoverSegment(files: SpoolFiles, log: Logger, onDamage: (d: Damage) => void, file: string, start: LogEnd): Segment | undefined {
  const fd = files.openRw(file);
  const name = path.basename(file);
  try {
    const size = files.size(fd);
    const r = scanRecords((buf, off, len, pos) => files.read(fd, buf, off, len, pos), size, start.seq);
    if (r.skips.length > 0) {
      log.warn(
        { file: name, skippedBytes: r.skippedBytes, lostRecords: r.lostRecords, kept: r.count, reason: r.reason },
        'spool: skipped corrupt bytes, kept every valid record after them',
      );
    }
    const tail = size - r.validEnd;
    if (tail > 0) {
      files.truncate(fd, r.validEnd);
      files.fdatasyncSync(fd);
      log.warn({ file: name, droppedBytes: tail, kept: r.count, reason: r.reason }, 'spool: truncated a torn or corrupt tail');
    }
    if (r.skips.length > 0 || tail > 0) onDamage({ file: name, records: r.lostRecords + (tail > 0 ? r.tailRecords : 0), bytes: r.skippedBytes + tail });
    if (r.count === 0) {
      files.unlink(file);
      return undefined;
    }
    return {
      file, format: r.format, ...(r.skips.length > 0 ? { skips: r.skips } : {}), firstSeq: r.firstSeq, lastSeq: r.lastSeq,
      firstOrd: start.ord, count: r.count, firstCum: start.cum, cumBytes: r.cum, fileBytes: r.validEnd,
    };
  } finally {
    files.close(fd);
  }
}
