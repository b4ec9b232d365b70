import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Spool } from '../../src/spool/spool';
import { encodeRecord, readRecord } from '../../src/spool/record';
import { headerSeq } from '../../src/wire/message';
import { captureLogger, FaultyFiles, message, OPEN_LIMITS, tempDir, until } from './helpers';

function segFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();
}

function drain(c: { poll(): { seq: bigint } | undefined }): bigint[] {
  const out: bigint[] = [];
  for (let e = c.poll(); e; e = c.poll()) out.push(e.seq);
  return out;
}

function range(from: number, to: number): bigint[] {
  const r: bigint[] = [];
  for (let i = from; i <= to; i++) r.push(BigInt(i));
  return r;
}

test('record encoding round-trips and rejects a flipped bit', () => {
  const e = message(42n);
  const rec = encodeRecord(e);
  const r = readRecord(rec, 0, rec.length);
  assert.ok(r.ok);
  assert.equal(r.entry.seq, 42n);
  assert.deepEqual(r.entry.frames, e.frames);
  rec[rec.length - 1] ^= 1;
  const bad = readRecord(rec, 0, rec.length);
  assert.ok(!bad.ok && 'bad' in bad);
});

test('append, read, commit, reopen: the cursor resumes after its committed seq and replays are marked', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 20, segmentBytes: 16 * 1024, cacheBytes: 4096 });
    await s.open();
    const c = s.openCursor('reliable', OPEN_LIMITS);
    for (let i = 1n; i <= 1000n; i++) s.append(message(i));
    const got: bigint[] = [];
    for (let i = 0; i < 1000; i++) {
      const e = await c.next();
      assert.ok(e);
      assert.equal(headerSeq(e.frames[1]), e.seq);
      got.push(e.seq);
    }
    assert.deepEqual(got, range(1, 1000));
    c.commit(600n);
    assert.equal(c.committed, 600n);
    assert.deepEqual(c.backlog().messages, 400);
    c.rewind();
    assert.equal(c.poll()?.seq, 601n);
    await s.close();
    assert.ok(segFiles(dir).length > 1, 'several segments were written');

    const s2 = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 20, segmentBytes: 16 * 1024, cacheBytes: 4096 });
    await s2.open();
    assert.equal(s2.lastSeq(), 1000n);
    const c2 = s2.openCursor('reliable', OPEN_LIMITS);
    assert.equal(c2.committed, 600n);
    assert.equal(c2.replayUntil, 1000n);
    assert.deepEqual(c2.backlog().messages, 400);
    assert.deepEqual(drain(c2), range(601, 1000));
    // A cursor never seen before starts at the oldest record still on disk, flagging what was there at open.
    const fresh = s2.openCursor('other', OPEN_LIMITS);
    assert.equal(fresh.replayUntil, 1000n);
    assert.ok((fresh.poll()?.seq ?? 0n) <= 601n);
    s2.append(message(1001n));
    assert.equal(c2.poll()?.seq, 1001n);
    await s2.close();
  } finally {
    cleanup();
  }
});

test('readers far behind the RAM cache read the segment files in order', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = new Spool({ dir, maxBytes: 8 << 20, fsyncMs: 5, segmentBytes: 64 * 1024, cacheBytes: 2048 });
    await s.open();
    const c = s.openCursor('slow', OPEN_LIMITS);
    for (let i = 1n; i <= 5000n; i++) s.append(message(i, 40));
    await until(() => s.status().memoryBytes === 0, 10_000, 'pending writes');
    assert.deepEqual(drain(c), range(1, 5000));
    c.commit(2500n);
    c.rewind();
    assert.deepEqual(drain(c), range(2501, 5000));
    await s.close();
  } finally {
    cleanup();
  }
});

test('a torn last record is truncated with one log line; every complete record survives', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 19 });
    await s.open();
    for (let i = 1n; i <= 300n; i++) s.append(message(i));
    await s.close();
    const [file] = segFiles(dir);
    const full = fs.statSync(path.join(dir, file)).size;
    const last = encodeRecord(message(300n)).length;
    fs.truncateSync(path.join(dir, file), full - Math.floor(last / 2)); // power cut mid-record

    const { logger, lines } = captureLogger();
    const s2 = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 19, logger });
    await s2.open();
    const warn = lines.filter((l) => String(l.msg).includes('truncated'));
    assert.equal(warn.length, 1);
    assert.equal(warn[0].droppedBytes, last - Math.floor(last / 2));
    assert.equal(s2.lastSeq(), 299n);
    const c = s2.openCursor('r', OPEN_LIMITS);
    assert.deepEqual(drain(c), range(1, 299));
    // Appends continue cleanly after the truncation.
    s2.append(message(300n));
    await s2.close();
    const s3 = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 19 });
    await s3.open();
    assert.equal(s3.lastSeq(), 300n);
    await s3.close();
  } finally {
    cleanup();
  }
});

test('random garbage appended to the last segment is cut off; all records are kept', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 19 });
    await s.open();
    for (let i = 1n; i <= 200n; i++) s.append(message(i));
    await s.close();
    const file = path.join(dir, segFiles(dir).at(-1)!);
    const garbage = Buffer.alloc(777);
    let x = 12345;
    for (let i = 0; i < garbage.length; i++) garbage[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    fs.appendFileSync(file, garbage);

    const { logger, lines } = captureLogger();
    const s2 = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 19, logger });
    await s2.open();
    const warn = lines.filter((l) => String(l.msg).includes('truncated'));
    assert.equal(warn.length, 1);
    assert.equal(warn[0].droppedBytes, 777);
    const c = s2.openCursor('r', OPEN_LIMITS);
    assert.deepEqual(drain(c), range(1, 200));
    await s2.close();
  } finally {
    cleanup();
  }
});

test('max_bytes: oldest whole segments go first and each undelivered record is counted for the cursor', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const maxBytes = 64 * 1024;
    const s = new Spool({ dir, maxBytes, fsyncMs: 5, segmentBytes: 8 * 1024, cacheBytes: 1024 });
    await s.open();
    const c = s.openCursor('reliable', OPEN_LIMITS);
    const n = 3000;
    for (let i = 1; i <= n; i++) s.append(message(BigInt(i)));
    await until(() => s.status().memoryBytes === 0, 10_000, 'pending writes');
    const st = s.status();
    assert.ok(st.bytes <= maxBytes, `disk use ${st.bytes} within ${maxBytes}`);
    const got = drain(c);
    const dropped = c.drops.spool_full ?? 0;
    assert.ok(dropped > 0);
    assert.equal(got.length + dropped, n, 'every record is either readable or counted');
    assert.deepEqual(got, range(n - got.length + 1, n), 'what survives is the newest, in order');
    assert.equal(st.drops.spool_full, dropped);
    assert.equal(BigInt(st.firstSeq), got[0]);
    await s.close();
  } finally {
    cleanup();
  }
});

test('ENOSPC: memory mode with an alarm, no crash, drops counted beyond the RAM bound, recovery to disk', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    const { logger, lines } = captureLogger();
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 18, memoryBytes: 32 * 1024, retryMs: 50, files, logger });
    await s.open();
    const c = s.openCursor('reliable', OPEN_LIMITS);
    for (let i = 1n; i <= 100n; i++) s.append(message(i));
    await until(() => s.status().memoryBytes === 0, 10_000, 'first writes');

    files.failing = 'ENOSPC';
    for (let i = 101n; i <= 1000n; i++) s.append(message(i));
    await until(() => s.status().mode === 'memory', 10_000, 'memory mode');
    const st = s.status();
    assert.match(st.alarm ?? '', /ENOSPC/);
    assert.ok(st.memoryBytes <= 32 * 1024);
    assert.ok((st.drops.memory_full ?? 0) > 0);
    assert.equal(lines.filter((l) => String(l.msg).includes('memory mode')).length, 1, 'one log line');

    files.failing = undefined;
    await until(() => s.status().mode === 'disk', 10_000, 'back to disk');
    assert.equal(s.status().alarm, undefined);
    for (let i = 1001n; i <= 1100n; i++) s.append(message(i));
    const got = drain(c);
    const lost = c.drops.spool_full ?? 0;
    assert.equal(got.length + lost, 1100);
    assert.deepEqual(got.slice(0, 100), range(1, 100));
    assert.deepEqual(got.slice(-100), range(1001, 1100));
    assert.ok(got.every((v, i) => i === 0 || v > got[i - 1]));
    await s.close();

    // What was written after recovery is on disk and intact.
    const s2 = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 18 });
    await s2.open();
    assert.equal(s2.lastSeq(), 1100n);
    const c2 = s2.openCursor('other', OPEN_LIMITS);
    assert.deepEqual(drain(c2), got);
    await s2.close();
  } finally {
    cleanup();
  }
});

test('EIO on the first write of a fresh spool does not crash either', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    files.failing = 'EIO';
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 0, segmentBytes: 1 << 18, retryMs: 20, files });
    await s.open();
    const c = s.openCursor('r', OPEN_LIMITS);
    s.append(message(1n));
    await until(() => s.status().mode === 'memory', 5000, 'memory mode');
    assert.equal(c.poll()?.seq, 1n, 'readers still get messages from RAM');
    files.failing = undefined;
    await until(() => s.status().mode === 'disk' && s.status().bytes > 0, 5000, 'recovery');
    await s.close();
  } finally {
    cleanup();
  }
});

test('cursor limits: drop-oldest skips ahead and counts overflow', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = new Spool({ dir, maxBytes: 4 << 20, fsyncMs: 5, segmentBytes: 1 << 20 });
    await s.open();
    const c = s.openCursor('small', { maxMessages: 100, maxBytes: 1 << 20, overflow: 'drop-oldest' });
    for (let i = 1n; i <= 1000n; i++) s.append(message(i));
    assert.ok(c.backlog().messages <= 100);
    const got = drain(c);
    assert.equal(got.length + (c.drops.overflow ?? 0), 1000);
    assert.equal(got.at(-1), 1000n);
    await s.close();
  } finally {
    cleanup();
  }
});

test('memory stays bounded with a 200k-message backlog nobody reads', async () => {
  const { dir, cleanup } = tempDir();
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const s = new Spool({ dir, maxBytes: 256 << 20, fsyncMs: 50, segmentBytes: 4 << 20, cacheBytes: 1 << 20 });
    await s.open();
    s.openCursor('reliable', OPEN_LIMITS); // the backend is down: nobody reads
    const settle = async (): Promise<void> => {
      // Buffer memory is returned after the collection's weak callbacks run: give them turns.
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setImmediate(r));
      }
    };
    await settle();
    // heapUsed + arrayBuffers: JS objects plus Buffer memory (what a RAM backlog would grow).
    const mem = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = mem();
    let bytes = 0;
    for (let i = 1; i <= 200_000; i++) {
      const m = message(BigInt(i), 64);
      bytes += m.frames[0].length + m.frames[1].length + m.frames[2].length;
      s.append(m);
      if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => s.status().memoryBytes === 0, 20_000, 'writes');
    await settle();
    const growth = mem() - before;
    assert.ok(bytes > 25 << 20, 'the backlog is much larger than the RAM bound');
    assert.ok(growth < 8 << 20, `heap grew ${growth} bytes for a ${bytes}-byte backlog`);
    assert.ok(s.status().bytes > bytes, 'the backlog is on disk');
    await s.close();
  } finally {
    cleanup();
  }
});

test('an unusable state dir at open gives memory mode with an alarm, not a crash', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const notADir = path.join(dir, 'spool');
    fs.writeFileSync(notADir, 'a file where the spool dir should be');
    const s = new Spool({ dir: notADir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 1 << 18, retryMs: 20 });
    await s.open();
    assert.equal(s.status().mode, 'memory');
    assert.ok(s.status().alarm);
    const c = s.openCursor('r', OPEN_LIMITS);
    s.append(message(1n));
    assert.equal(c.poll()?.seq, 1n);
    await s.close();
  } finally {
    cleanup();
  }
});

test('the RAM tail keeps what a cursor may still read or rewind to, and lets go of what every cursor committed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const s = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 0, segmentBytes: 64 * 1024 });
    await s.open();
    const fast = s.openCursor('fast', OPEN_LIMITS);
    const slow = s.openCursor('slow', OPEN_LIMITS);
    for (let i = 1n; i <= 100n; i++) s.append(message(i));
    assert.deepEqual(drain(fast), range(1, 100));
    fast.commit(100n);
    assert.deepEqual(drain(slow).length, 100);
    slow.commit(40n);
    s.append(message(101n));
    s.flush();
    assert.equal(s.ramEntries, 61, 'seq 41..101 stay: slow may rewind to 41');
    slow.rewind();
    assert.equal(slow.poll()?.seq, 41n);
    assert.deepEqual(drain(slow), range(42, 101));
    slow.commit(101n);
    assert.deepEqual(drain(fast), [101n]);
    fast.commit(101n);
    s.append(message(102n));
    s.flush();
    assert.equal(s.ramEntries, 1, 'only the entry nobody committed is left in RAM');
    // A cursor opened later still reads everything from the segment files.
    fast.close();
    const again = s.openCursor('late', OPEN_LIMITS);
    assert.deepEqual(drain(again), range(1, 102));
    await s.close();
  } finally {
    cleanup();
  }
});
