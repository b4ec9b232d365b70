/**
 * src/spool/: the durable message log. `spool.ts` appends, opens cursors and switches between
 * disk and memory mode; `segments.ts` owns the segment files (writes, fdatasync, reads,
 * deletes; `segment-recovery.ts` opens each at start, `segment.ts` is their bookkeeping),
 * `record.ts` the record format, `tail-cache.ts` the RAM tail and its holes, `retention.ts`
 * what may be deleted and what that costs, `saved-cursors.ts` cursors.json, `disk-cursor.ts`
 * each durable sink's reader. Arrows run one way: spool → the others → segments/files.
 */
export { Spool, type SpoolOptions, type SpoolStatus, type SpoolCursor } from './spool';
export { nodeFiles, type SpoolFiles } from './files';
