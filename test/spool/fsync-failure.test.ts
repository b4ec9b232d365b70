import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spool, type SpoolOptions } from '../../src/spool';
import { captureLogger, FaultyFiles, message, OPEN_LIMITS, tempDir, until } from './helpers';

test('a failed fdatasync raises the alarm and stops appending to that segment; recovery resumes on disk', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    const { logger } = captureLogger();
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 18, retryMs: 50, files, logger });
    await s.open();
    const c = s.openCursor('reliable', OPEN_LIMITS);
    for (let i = 1n; i <= 50n; i++) s.append(message(i));
    await until(() => s.status().memoryBytes === 0, 10_000, 'first writes');
    const segmentsBefore = s.status().segments;

    files.syncFailing = 'EIO';
    for (let i = 51n; i <= 100n; i++) s.append(message(i));
    await until(() => s.status().mode === 'memory', 10_000, 'memory mode after the failed sync');
    assert.match(s.status().alarm ?? '', /EIO/);

    files.syncFailing = undefined;
    for (let i = 101n; i <= 150n; i++) s.append(message(i));
    await until(() => s.status().mode === 'disk', 10_000, 'back to disk');
    assert.equal(s.status().alarm, undefined);
    assert.ok(s.status().segments > segmentsBefore, 'a fresh segment after the failure');
    const seqs: bigint[] = [];
    for (let e = c.poll(); e; e = c.poll()) seqs.push(e.seq);
    assert.deepEqual(seqs, Array.from({ length: 150 }, (_, i) => BigInt(i + 1)), 'nothing accepted is lost or reordered');
    await s.close();
  } finally {
    cleanup();
  }
});

/** The rest of this file: the pages a failed fdatasync could not flush are lost (FaultyFiles' model). */

type Options = Omit<SpoolOptions, 'files' | 'logger'>;
const BASE: Options = { dir: '', maxBytes: 1 << 22, fsyncMs: 5, segmentBytes: 1 << 20, retryMs: 50 };

/** A spool whose sinks are offline (one cursor that never commits): everything must survive a restart. */
async function offlineSpool(opts: Options) {
  const files = new FaultyFiles();
  const { logger, lines } = captureLogger();
  const s = new Spool({ ...opts, files, logger });
  await s.open();
  s.openCursor('reliable', OPEN_LIMITS);
  return { s, files, lines };
}

function appendSeqs(s: Spool, from: number, to: number): void {
  for (let i = from; i <= to; i++) s.append(message(BigInt(i)));
}

/** Records 1..`synced` reach the disk, then the flush of `synced`+1..`last` fails: the spool is in memory mode. */
async function failedFlush(s: Spool, files: FaultyFiles, synced: number, last: number): Promise<void> {
  appendSeqs(s, 1, synced);
  await until(() => s.status().memoryBytes === 0 && files.syncs > 0, 10_000, 'first records synced');
  files.syncFailing = 'EIO';
  appendSeqs(s, synced + 1, last);
  await until(() => s.status().mode === 'memory', 10_000, 'memory mode after the failed flush');
}

/** The seqs a new spool on the same files hands a new cursor (after a clean close, or files.crash()). */
async function reopenedSeqs(opts: Options, files?: FaultyFiles): Promise<bigint[]> {
  const again = new Spool({ ...opts, ...(files ? { files } : {}) });
  await again.open();
  const c = again.openCursor('reliable', OPEN_LIMITS);
  const seqs: bigint[] = [];
  for (let e = c.poll(); e; e = c.poll()) seqs.push(e.seq);
  assert.deepEqual(again.status().drops, {}, 'the files read back whole');
  await again.close();
  return seqs;
}

const seqsTo = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1));
const REWROTE = 'spool: wrote the records of a failed fdatasync again';

test('records of a failed fdatasync are written again, so a power cut afterwards loses none of them', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const opts = { ...BASE, dir };
    const { s, files, lines } = await offlineSpool(opts);
    // The kernel drops the pages of 51-100, and a later flush would not bring them back.
    await failedFlush(s, files, 50, 100);
    files.syncFailing = undefined;
    appendSeqs(s, 101, 150);
    await until(() => s.status().mode === 'disk', 10_000, 'back to disk');
    await s.close();
    files.crash();
    assert.deepEqual(await reopenedSeqs(opts), seqsTo(150), 'every accepted record is on disk after the power cut');
    assert.ok(lines.some((l) => l.msg === REWROTE && l.records === 50), 'the 50 records were written again');
  } finally {
    cleanup();
  }
});

test('a failed sync with nothing appended after it: its records are written again on the retry, not only with the next reading', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const opts = { ...BASE, dir };
    const { s, files } = await offlineSpool(opts);
    await failedFlush(s, files, 10, 30);
    files.syncFailing = undefined;
    await until(() => s.status().mode === 'disk', 10_000, 'back to disk without a new reading');
    await s.close();
    files.crash();
    assert.deepEqual(await reopenedSeqs(opts), seqsTo(30));
  } finally {
    cleanup();
  }
});

test('a disk whose flushes keep failing: RAM stays bounded while readings keep coming, and what was kept is durable once it heals', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const opts = { ...BASE, dir, retryMs: 10, memoryBytes: 64 * 1024, cacheBytes: 64 * 1024 };
    const { s, files } = await offlineSpool(opts);
    await failedFlush(s, files, 20, 120);
    let seq = 120;
    let peak = 0;
    // Every round: more readings, then at least one more failed flush (a retry) before the next.
    for (let round = 0; round < 30; round++) {
      appendSeqs(s, seq + 1, (seq += 100));
      const failures = files.syncFailures;
      await until(() => files.syncFailures > failures, 10_000, `a retry in round ${round}`);
      peak = Math.max(peak, s.ramEntries);
      assert.equal(s.status().mode, 'memory', `still in memory mode in round ${round}`);
    }
    // 64 KiB of unwritten records is ~400 of these; a pinned tail that new writes went behind kept all 3,000.
    assert.ok(peak < 1000, `RAM tail peaked at ${peak} entries`);
    files.syncFailing = undefined;
    await until(() => s.status().mode === 'disk', 10_000, 'back to disk once the flushes work');
    const drops = s.status().drops as Record<string, number>;
    await s.close();
    files.crash();
    const kept = await reopenedSeqs(opts);
    // Whatever was not dropped (and counted) while the disk failed is on disk after the power cut.
    assert.ok(drops.memory_full > 0, JSON.stringify(drops));
    assert.equal(kept.length + drops.memory_full + (drops.fsync_unrewritten ?? 0), seq, `kept ${kept.length}, dropped ${JSON.stringify(drops)}`);
    assert.deepEqual(kept.slice(0, 20), seqsTo(20), 'the records synced before the failure');
    assert.equal(kept[kept.length - 1], BigInt(seq), 'the newest records, kept in RAM, reached the disk');
  } finally {
    cleanup();
  }
});

test('a restart while flushes still fail keeps the readings waiting in RAM, and the failed rescue at close is logged', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // No retry before close (60 s): the rescue and the last write happen in close().
    const opts = { ...BASE, dir, retryMs: 60_000, cacheBytes: 4096 };
    const { s, files, lines } = await offlineSpool(opts);
    await failedFlush(s, files, 20, 100);
    appendSeqs(s, 101, 120);
    await s.close();
    // A clean restart, no power cut: what waited in RAM was written at close, the disk still failing.
    assert.equal((await reopenedSeqs(opts, files)).length, 120, 'every record is in the files after a clean close');
    assert.ok(lines.some((l) => String(l.msg).startsWith('spool: closed before the records of a failed fdatasync could be written again')), 'the failed rescue is logged');
  } finally {
    cleanup();
  }
});

test('records of a failed sync that had already left RAM are counted when the rescue runs at close, for the open cursor that lacks them', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // A 4 KiB tail holds a handful of records: most of 21-100 leave RAM before the failure is known.
    const { s, files, lines } = await offlineSpool({ ...BASE, dir, retryMs: 60_000, cacheBytes: 4096 });
    await failedFlush(s, files, 20, 100);
    files.syncFailing = undefined;
    const held = s.ramEntries;
    await s.close();
    const lost = (s.status().drops as Record<string, number>).fsync_unrewritten;
    assert.equal(lost, 80 - held, `counted ${lost}, RAM held ${held} of the 80`);
    assert.ok(lines.some((l) => l.msg === REWROTE && l.records === held));
  } finally {
    cleanup();
  }
});
