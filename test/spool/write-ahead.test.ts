import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { test } from 'node:test';
import { MemoryLog } from '../../src/pipeline/memory-log';
import { FanoutLog, type LogCursor, type LogEntry } from '../../src/pipeline/message-log';
import { encodeRecord } from '../../src/spool/record';
import { Spool } from '../../src/spool/spool';
import { prng } from '../helpers/prng';
import { message, OPEN_LIMITS, tempDir } from './helpers';

/** Every segment file's bytes, concatenated in order. */
function segmentBytes(dir: string): Buffer {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();
  return Buffer.concat(names.map((n) => fs.readFileSync(path.join(dir, n))));
}

test('write-ahead: at the moment any cursor (memory or spool, next() or poll()) gets an entry, its record is in the segment file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const spool = new Spool({ dir, maxBytes: 64 << 20, fsyncMs: 200, segmentBytes: 16 << 20 });
    await spool.open();
    const memory = new MemoryLog();
    const log = new FanoutLog([memory, spool]); // the gateway's order: the memory log first
    const seen = new Map<string, number>();
    const check = (who: string, e: LogEntry): void => {
      // One segment, seqs from 1: the record's index in it is seq - 1.
      assert.ok(segmentBytes(dir).includes(encodeRecord(e, Number(e.seq) - 1)), `${who} got seq ${e.seq} before its record was in the segment file`);
      seen.set(who, (seen.get(who) ?? 0) + 1);
    };
    const n = 400;
    const waiting = (who: string, c: LogCursor): Promise<void> =>
      (async () => {
        for (let i = 0; i < n; i++) {
          const e = await c.next();
          assert.ok(e);
          check(who, e);
          c.commit(e.seq);
        }
      })();
    const publish = waiting('publish (memory, next)', memory.openCursor('publish', OPEN_LIMITS));
    const reliable = waiting('reliable (spool, next)', spool.openCursor('reliable', OPEN_LIMITS));
    const memPoll = memory.openCursor('memory-poll', OPEN_LIMITS);
    const spoolPoll = spool.openCursor('spool-poll', OPEN_LIMITS);
    const pollAll = (): void => {
      for (let e = memPoll.poll(); e; e = memPoll.poll()) check('memory poll', e);
      for (let e = spoolPoll.poll(); e; e = spoolPoll.poll()) check('spool poll', e);
    };
    const rand = prng(7);
    let seq = 0n;
    while (seq < BigInt(n)) {
      // A reader already scheduled in this turn runs after the appends, before the turn ends.
      queueMicrotask(pollAll);
      const burst = 1 + Math.floor(rand() * 8);
      for (let i = 0; i < burst && seq < BigInt(n); i++) log.append(message(++seq));
      if (rand() < 0.3) pollAll(); // a reader in the same synchronous stretch
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all([publish, reliable]);
    pollAll();
    for (const who of ['publish (memory, next)', 'reliable (spool, next)', 'memory poll', 'spool poll']) assert.equal(seen.get(who), n, who);
    await log.close();
  } finally {
    cleanup();
  }
});

/** Run the crash child until it has published `killAfter` seqs, kill -9 it, return what it published. */
async function crashRun(dir: string, fsyncMs: number, killAfter: number): Promise<bigint[]> {
  const script = path.join(__dirname, `crash-child${path.extname(__filename)}`);
  const execArgv = __filename.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...execArgv, script, dir, String(fsyncMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const published: bigint[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`crash child published only ${published.length}`)), 20_000);
      readline.createInterface({ input: child.stdout! }).on('line', (l) => {
        published.push(BigInt(l));
        if (published.length === killAfter) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => reject(new Error('crash child exited on its own')));
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
  return published;
}

for (const fsyncMs of [200, 0]) {
  test(`kill -9 (fsync_ms ${fsyncMs}): every seq a memory-log reader published is in the spool after restart, and lastSeq covers it`, async (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const rand = prng(fsyncMs + 11);
    for (let round = 0; round < 3; round++) {
      const published = await crashRun(dir, fsyncMs, 200 + Math.floor(rand() * 1500));
      const spool = new Spool({ dir, maxBytes: 64 << 20, fsyncMs, segmentBytes: 1 << 20 });
      await spool.open();
      const c = spool.openCursor(`check${round}`, OPEN_LIMITS);
      const onDisk = new Set<bigint>();
      for (let e = c.poll(); e; e = c.poll()) onDisk.add(e.seq);
      const missing = published.filter((s) => !onDisk.has(s));
      assert.deepEqual(missing, [], `round ${round}: published but not on disk`);
      assert.ok(spool.lastSeq() >= published[published.length - 1], 'the next run numbers above every seq anyone saw');
      await spool.close();
    }
  });
}

test('FanoutLog.flush (for taps that hand readings out without a cursor) writes what was appended', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const spool = new Spool({ dir, maxBytes: 1 << 20, fsyncMs: 200, segmentBytes: 1 << 19 });
    await spool.open();
    const log = new FanoutLog([new MemoryLog(), spool]);
    assert.equal(new FanoutLog([new MemoryLog()]).flush, undefined, 'nothing durable: nothing to flush');
    const e = message(1n);
    log.append(e);
    log.flush!();
    assert.ok(segmentBytes(dir).includes(encodeRecord(e, 0)));
    await log.close();
  } finally {
    cleanup();
  }
});

test('write-ahead: an entry the spool refuses is not handed to the memory log either', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const spool = new Spool({ dir, maxBytes: 64 << 20, fsyncMs: 200, segmentBytes: 16 << 20 });
    await spool.open();
    const memory = new MemoryLog();
    const log = new FanoutLog([memory, spool]);
    const volatile = memory.openCursor('publish', OPEN_LIMITS);
    assert.equal(log.append(message(5n)), true);
    assert.equal(log.append(message(3n)), false, 'seq 3 after seq 5: the spool refuses it');
    await spool.close();
    assert.equal(log.append(message(6n)), false, 'a closed spool refuses');
    const seen: bigint[] = [];
    for (let e = volatile.poll(); e; e = volatile.poll()) seen.push(e.seq);
    assert.deepEqual(seen, [5n], 'the publish side saw only what the spool took');
    assert.equal(spool.status().drops.seq_order, 1);
    assert.equal(spool.status().drops.closed, 1);
  } finally {
    cleanup();
  }
});
