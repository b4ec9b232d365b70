import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spool } from '../../src/spool';
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

test('records of a failed fdatasync are written again, so a power cut afterwards loses none of them', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    const { logger, lines } = captureLogger();
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 18, retryMs: 50, files, logger });
    await s.open();
    // The sinks are offline: nothing is committed, everything must survive a restart.
    s.openCursor('reliable', OPEN_LIMITS);
    for (let i = 1n; i <= 50n; i++) s.append(message(i));
    await until(() => s.status().memoryBytes === 0 && files.syncs > 0, 10_000, 'first records synced');

    // The flush fails: the kernel drops the pages of 51-100, and a later sync would not bring them back.
    files.syncFailing = 'EIO';
    for (let i = 51n; i <= 100n; i++) s.append(message(i));
    await until(() => s.status().mode === 'memory', 10_000, 'memory mode after the failed sync');
    files.syncFailing = undefined;
    for (let i = 101n; i <= 150n; i++) s.append(message(i));
    await until(() => s.status().mode === 'disk', 10_000, 'back to disk');
    await s.close();

    files.crash();
    const again = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 18 });
    await again.open();
    const c = again.openCursor('reliable', OPEN_LIMITS);
    const seqs: bigint[] = [];
    for (let e = c.poll(); e; e = c.poll()) seqs.push(e.seq);
    assert.deepEqual(seqs, Array.from({ length: 150 }, (_, i) => BigInt(i + 1)), 'every accepted record is on disk after the power cut');
    assert.deepEqual(again.status().drops, {});
    await again.close();
    assert.ok(lines.some((l) => l.msg === 'spool: wrote the records of a failed fdatasync again' && l.records === 50), 'the 50 records were written again');
  } finally {
    cleanup();
  }
});

test('a failed sync with nothing appended after it: its records are written again on the retry, not only with the next reading', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 18, retryMs: 50, files });
    await s.open();
    s.openCursor('reliable', OPEN_LIMITS);
    files.syncFailing = 'EIO';
    for (let i = 1n; i <= 20n; i++) s.append(message(i));
    await until(() => s.status().mode === 'memory', 10_000, 'memory mode after the failed sync');
    files.syncFailing = undefined;
    await until(() => s.status().mode === 'disk', 10_000, 'back to disk without a new reading');
    await s.close();
    files.crash();
    const again = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 18 });
    await again.open();
    const c = again.openCursor('reliable', OPEN_LIMITS);
    let n = 0;
    for (let e = c.poll(); e; e = c.poll()) n++;
    assert.equal(n, 20);
    await again.close();
  } finally {
    cleanup();
  }
});

test('a disk whose flushes keep failing: RAM stays bounded while readings keep coming, and what was kept is durable once it heals', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    const opts = { dir, maxBytes: 1 << 22, fsyncMs: 5, segmentBytes: 1 << 20, retryMs: 10, memoryBytes: 64 * 1024, cacheBytes: 64 * 1024 };
    const s = new Spool({ ...opts, files });
    await s.open();
    s.openCursor('reliable', OPEN_LIMITS);
    let seq = 0n;
    for (let i = 0; i < 20; i++) s.append(message(++seq));
    await until(() => s.status().memoryBytes === 0 && files.syncs > 0, 10_000, 'first records synced');
    files.syncFailing = 'EIO';
    let peak = 0;
    // Every round: more readings, then at least one more failed flush (a retry) before the next.
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 100; i++) s.append(message(++seq));
      const failures = files.syncFailures;
      await until(() => files.syncFailures > failures, 10_000, `a retry in round ${round}`);
      peak = Math.max(peak, s.ramEntries);
      assert.equal(s.status().mode, 'memory', `still in memory mode in round ${round}`);
    }
    // 64 KiB of unwritten records is ~400 of these; before the fix the pinned tail kept all 3,000.
    assert.ok(peak < 1000, `RAM tail peaked at ${peak} entries`);
    files.syncFailing = undefined;
    await until(() => s.status().mode === 'disk', 10_000, 'back to disk once the flushes work');
    const drops = s.status().drops as Record<string, number>;
    await s.close();
    files.crash();
    const again = new Spool({ ...opts });
    await again.open();
    const c = again.openCursor('reliable', OPEN_LIMITS);
    const kept: bigint[] = [];
    for (let e = c.poll(); e; e = c.poll()) kept.push(e.seq);
    await again.close();
    // Whatever was not dropped (and counted) while the disk failed is on disk after the power cut.
    const dropped = (drops.memory_full ?? 0) + (drops.fsync_unrewritten ?? 0);
    assert.ok(drops.memory_full > 0, JSON.stringify(drops));
    assert.equal(kept.length + dropped, Number(seq), `kept ${kept.length}, dropped ${JSON.stringify(drops)}`);
    assert.deepEqual(kept.slice(0, 20), Array.from({ length: 20 }, (_, i) => BigInt(i + 1)), 'the records synced before the failure');
    assert.equal(kept[kept.length - 1], seq, 'the newest records, kept in RAM, reached the disk');
  } finally {
    cleanup();
  }
});

test('a restart while flushes still fail keeps the readings waiting in RAM, and the failed rescue at close is logged', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    const { logger, lines } = captureLogger();
    const opts = { dir, maxBytes: 1 << 22, fsyncMs: 5, segmentBytes: 1 << 20, retryMs: 60_000, cacheBytes: 4096 };
    const s = new Spool({ ...opts, files, logger });
    await s.open();
    s.openCursor('reliable', OPEN_LIMITS);
    for (let i = 1n; i <= 20n; i++) s.append(message(i));
    await until(() => s.status().memoryBytes === 0 && files.syncs > 0, 10_000, 'first records synced');
    files.syncFailing = 'EIO';
    for (let i = 21n; i <= 100n; i++) s.append(message(i));
    await until(() => s.status().mode === 'memory', 10_000, 'memory mode after the failed sync');
    // No retry before close (retryMs 60 s): the rescue and the last write happen in close().
    for (let i = 101n; i <= 120n; i++) s.append(message(i));
    await s.close();
    // A clean restart, no power cut: what waited in RAM was written at close, the disk still failing.
    const again = new Spool({ ...opts, files });
    await again.open();
    const c = again.openCursor('reliable', OPEN_LIMITS);
    let n = 0;
    for (let e = c.poll(); e; e = c.poll()) n++;
    assert.equal(n, 120, 'every record is in the files after a clean close');
    assert.ok(lines.some((l) => String(l.msg).startsWith('spool: closed before the records of a failed fdatasync could be written again')), 'the failed rescue is logged');
    await again.close();
  } finally {
    cleanup();
  }
});

test('records of a failed sync that had already left RAM are counted when the rescue runs at close, for the open cursor that lacks them', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    const { logger, lines } = captureLogger();
    // A 4 KiB tail holds a handful of records: most of 21-100 leave RAM before the failure is known.
    const s = new Spool({ dir, maxBytes: 1 << 22, fsyncMs: 5, segmentBytes: 1 << 20, retryMs: 60_000, cacheBytes: 4096, files, logger });
    await s.open();
    s.openCursor('reliable', OPEN_LIMITS);
    for (let i = 1n; i <= 20n; i++) s.append(message(i));
    await until(() => s.status().memoryBytes === 0 && files.syncs > 0, 10_000, 'first records synced');
    files.syncFailing = 'EIO';
    for (let i = 21n; i <= 100n; i++) s.append(message(i));
    await until(() => s.status().mode === 'memory', 10_000, 'memory mode after the failed sync');
    files.syncFailing = undefined;
    const held = s.ramEntries;
    await s.close();
    const lost = (s.status().drops as Record<string, number>).fsync_unrewritten;
    assert.equal(lost, 80 - held, `counted ${lost}, RAM held ${held} of the 80`);
    assert.ok(lines.some((l) => l.msg === 'spool: wrote the records of a failed fdatasync again' && l.records === held));
  } finally {
    cleanup();
  }
});
