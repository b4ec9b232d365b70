import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Spool, type SpoolOptions } from '../../src/spool/spool';
import { captureLogger, FaultyFiles, message, OPEN_LIMITS, tempDir, until } from './helpers';

function drain(c: { poll(): { seq: bigint } | undefined }): bigint[] {
  const out: bigint[] = [];
  for (let e = c.poll(); e; e = c.poll()) out.push(e.seq);
  return out;
}

function segCount(dir: string): number {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.seg')).length;
}

function savedCursors(dir: string): Record<string, string> {
  const text = fs.readFileSync(path.join(dir, 'cursors.json'), 'utf8');
  return (JSON.parse(text) as { cursors: Record<string, string> }).cursors;
}

/** One run: open, let `body` work, close. */
async function run(opts: SpoolOptions, body: (s: Spool) => Promise<void> | void): Promise<void> {
  const s = new Spool(opts);
  await s.open();
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

/** A spool holding seqs 1..n, with cursor `name` committed at `commit`. */
async function seed(dir: string, n: number, name: string, commit: bigint): Promise<void> {
  await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
    const c = s.openCursor(name, OPEN_LIMITS);
    for (let i = 1; i <= n; i++) s.append(message(BigInt(i)));
    drain(c);
    c.commit(commit);
  });
}

test('cursors.json missing after a crash: the whole spool replays from the oldest record, flagged', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await seed(dir, 300, 'reliable', 120n);
    fs.rmSync(path.join(dir, 'cursors.json'));
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
      const c = s.openCursor('reliable', OPEN_LIMITS);
      assert.equal(c.replayUntil, 300n, 'everything on disk may have been sent already');
      const oldest = BigInt(s.status().firstSeq);
      assert.ok(oldest > 1n && oldest <= 120n, 'run 1 deleted only what it had committed');
      const got = drain(c);
      assert.equal(got[0], oldest, 'at-least-once: no saved position means start at the oldest retained record');
      assert.equal(got.at(-1), 300n);
      s.append(message(301n));
      assert.equal(c.poll()?.seq, 301n);
      assert.ok(301n > c.replayUntil, 'what this run appends is not flagged');
    });
  } finally {
    cleanup();
  }
});

test('cursors.json corrupt: replays are flagged too', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await seed(dir, 200, 'reliable', 50n);
    fs.writeFileSync(path.join(dir, 'cursors.json'), '{"version":1,"cur');
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
      const c = s.openCursor('reliable', OPEN_LIMITS);
      assert.equal(c.replayUntil, 200n);
      assert.equal(c.poll()?.seq, 1n);
    });
  } finally {
    cleanup();
  }
});

test('a sink new to an existing spool starts at the oldest record with replays flagged; an empty spool flags nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
      const c = s.openCursor('reliable', OPEN_LIMITS);
      assert.equal(c.replayUntil, 0n, 'nothing was on disk at open');
      for (let i = 1; i <= 100; i++) s.append(message(BigInt(i)));
      assert.equal(s.openCursor('late', OPEN_LIMITS).replayUntil, 0n, 'appended this run: never sent before');
    });
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
      const mqtt = s.openCursor('mqtt', OPEN_LIMITS);
      assert.equal(mqtt.replayUntil, 100n);
      assert.equal(mqtt.poll()?.seq, 1n);
    });
  } finally {
    cleanup();
  }
});

test('a cursor name left by a removed sink holds no retention and is dropped from cursors.json with one log line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // Run 1: two sinks. Run 2: the "mqtt" sink was removed from the config.
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
      s.openCursor('reliable', OPEN_LIMITS);
      s.openCursor('mqtt', OPEN_LIMITS);
      for (let i = 1; i <= 10; i++) s.append(message(BigInt(i)));
    });
    assert.deepEqual(Object.keys(savedCursors(dir)).sort(), ['mqtt', 'reliable']);

    const { logger, lines } = captureLogger();
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024, logger }, async (s) => {
      const c = s.openCursor('reliable', OPEN_LIMITS);
      for (let i = 11; i <= 2000; i++) s.append(message(BigInt(i)));
      await until(() => s.status().memoryBytes === 0, 10_000, 'pending writes');
      assert.ok(segCount(dir) > 5);
      assert.equal(drain(c).at(-1), 2000n);
      c.commit(2000n);
      s.append(message(2001n)); // retention runs after the next write
      await until(() => segCount(dir) <= 2, 10_000, 'committed segments deleted');
      await until(() => savedCursors(dir).mqtt === undefined, 10_000, 'stale cursor dropped');
      assert.deepEqual(Object.keys(savedCursors(dir)), ['reliable']);
      assert.equal(s.status().drops.spool_full, undefined, 'nothing was lost');
    });
    const named = lines.filter((l) => JSON.stringify(l.cursors ?? null).includes('mqtt'));
    assert.equal(named.length, 1, 'one log line names the stale cursor');
  } finally {
    cleanup();
  }
});

test('max_bytes: spool_full counts only records some live cursor had not committed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const maxBytes = 64 * 1024;
    await run({ dir, maxBytes, fsyncMs: 5, segmentBytes: 8 * 1024, cacheBytes: 1024 }, async (s) => {
      const ahead = s.openCursor('ahead', OPEN_LIMITS);
      const behind = s.openCursor('behind', OPEN_LIMITS);
      for (let i = 1; i <= 100; i++) s.append(message(BigInt(i)));
      drain(ahead);
      drain(behind);
      ahead.commit(100n);
      behind.commit(30n); // inside the first segment
      const n = 3000;
      for (let i = 101; i <= n; i++) {
        s.append(message(BigInt(i)));
        // "ahead" keeps up and commits as it goes.
        drain(ahead);
        ahead.commit(BigInt(i));
      }
      await until(() => s.status().memoryBytes === 0, 10_000, 'pending writes');
      const got = drain(behind);
      const lost = behind.drops.spool_full ?? 0;
      assert.ok(lost > 0);
      assert.equal(got.length + lost, n - 30, 'behind: every record after its commit is readable or counted');
      assert.equal(ahead.drops.spool_full, undefined);
      assert.equal(s.status().drops.spool_full, lost, 'the spool counts what the furthest-behind live cursor lost, nothing more');
    });
  } finally {
    cleanup();
  }
});

test('max_bytes lowered between runs: records deleted at open are counted for the cursor that opens, not for a stale name', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
      const c = s.openCursor('reliable', OPEN_LIMITS);
      s.openCursor('gone', OPEN_LIMITS);
      for (let i = 1; i <= 2000; i++) s.append(message(BigInt(i)));
      drain(c);
      c.commit(50n);
    });
    await run({ dir, maxBytes: 32 * 1024, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
      const c = s.openCursor('reliable', OPEN_LIMITS);
      const got = drain(c);
      const lost = c.drops.spool_full ?? 0;
      assert.ok(lost > 0, 'the cursor sees its loss');
      assert.equal(got.length + lost, 2000 - 50);
      assert.equal(s.status().drops.spool_full, lost, 'counted once, not for the stale name as well');
    });
  } finally {
    cleanup();
  }
});

test('a cursor reopened in the same run flags what its previous instance may have sent', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024 }, (s) => {
      const c = s.openCursor('reliable', OPEN_LIMITS);
      for (let i = 1; i <= 10; i++) s.append(message(BigInt(i)));
      drain(c); // sent, only 1..5 acknowledged
      c.commit(5n);
      c.close();
      const again = s.openCursor('reliable', OPEN_LIMITS);
      assert.equal(again.replayUntil, 10n);
      assert.deepEqual(drain(again), [6n, 7n, 8n, 9n, 10n]);
    });
  } finally {
    cleanup();
  }
});

test('max_bytes while a saved cursor has not opened yet: each cursor sees its loss, the spool counts it once', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const opts = { dir, maxBytes: 64 * 1024, fsyncMs: 5, segmentBytes: 8 * 1024 };
    await run(opts, (s) => {
      s.openCursor('live', OPEN_LIMITS);
      s.openCursor('late', OPEN_LIMITS);
      for (let i = 1; i <= 200; i++) s.append(message(BigInt(i)));
    });
    await run(opts, async (s) => {
      const live = s.openCursor('live', OPEN_LIMITS);
      for (let i = 201; i <= 1500; i++) s.append(message(BigInt(i)));
      await until(() => s.status().memoryBytes === 0, 10_000, 'pending writes');
      const late = s.openCursor('late', OPEN_LIMITS);
      const lost = live.drops.spool_full ?? 0;
      assert.ok(lost > 0);
      assert.equal(late.drops.spool_full, lost, 'same position, same loss');
      assert.equal(drain(late).length + lost, 1500);
      assert.equal(s.status().drops.spool_full, lost, 'the same records are not counted twice');
    });
  } finally {
    cleanup();
  }
});

test('a cursors.json write failure (EMFILE) raises an alarm until a write succeeds again', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new FaultyFiles();
    files.textFailing = 'EMFILE';
    await run({ dir, maxBytes: 1 << 20, fsyncMs: 5, segmentBytes: 8 * 1024, files }, async (s) => {
      const c = s.openCursor('reliable', OPEN_LIMITS);
      for (let i = 1; i <= 10; i++) s.append(message(BigInt(i)));
      drain(c);
      c.commit(10n);
      await until(() => /cursors\.json.*EMFILE/.test(s.status().alarm ?? ''), 10_000, 'alarm');
      assert.ok((s.status().drops.cursor_persist_errors ?? 0) >= 1);
      files.textFailing = undefined;
      await until(() => s.status().alarm === undefined, 10_000, 'alarm cleared');
      assert.equal(savedCursors(dir).reliable, '10');
    });
  } finally {
    cleanup();
  }
});
