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
