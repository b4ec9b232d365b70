import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SequenceCounter } from '../../src/core/sequence';
import { nodeArgs } from '../helpers/paths';

const tmp = () => mkdtempSync(join(tmpdir(), 'lowband-seq-'));

test('starts at 1 and increases by 1', () => {
  const dir = tmp();
  const c = SequenceCounter.open(dir, { block: 3 });
  assert.deepEqual([c.next(), c.next(), c.next(), c.next(), c.next()], [1n, 2n, 3n, 4n, 5n]);
  assert.equal(c.last, 5n);
  rmSync(dir, { recursive: true });
});

test('a restart continues above every number issued before, even without a clean stop', () => {
  const dir = tmp();
  const a = SequenceCounter.open(dir, { block: 100 });
  let last = 0n;
  for (let i = 0; i < 250; i++) last = a.next();
  // No close: the process could have died right here.
  const b = SequenceCounter.open(dir, { block: 100 });
  assert.ok(b.next() > last);
  rmSync(dir, { recursive: true });
});

test('atLeast lifts the counter above seqs found in the spool', () => {
  const dir = tmp();
  const c = SequenceCounter.open(dir, { atLeast: 5000n });
  assert.equal(c.next(), 5001n);
  rmSync(dir, { recursive: true });
});

test('a corrupt file is a clear error, not a silent restart at 1', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'seq'), 'garbage');
  assert.throws(() => SequenceCounter.open(dir), /corrupt/);
  rmSync(dir, { recursive: true });
});

test('kill -9 mid-stream: the next process never reuses a number', async () => {
  const dir = tmp();
  // A child issues numbers as fast as it can and reports each one; we kill it without warning.
  const child = spawn(process.execPath, [...nodeArgs('test/helpers/seq-child'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = 0n;
  let count = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (!line) continue;
        const n = BigInt(line);
        if (n > seen) seen = n;
        if (++count === 500) {
          child.kill('SIGKILL');
          resolve();
        }
      }
    });
  });
  await new Promise((r) => child.once('exit', r));
  const after = SequenceCounter.open(dir, { block: 50 });
  const next = after.next();
  assert.ok(next > seen, `next ${next} must be above ${seen}`);
  assert.match(readFileSync(join(dir, 'seq'), 'utf8'), /^\d+\n$/);
  rmSync(dir, { recursive: true });
});

test('a state dir that cannot be written does not stop numbering; it raises an alarm and recovers', () => {
  const dir = tmp();
  const c = SequenceCounter.open(dir, { block: 3 });
  // Make the atomic rename target unusable, as a read-only remount or a full disk would.
  rmSync(join(dir, 'seq'));
  mkdirSync(join(dir, 'seq'));
  writeFileSync(join(dir, 'seq', 'x'), '');
  const issued: bigint[] = [];
  for (let i = 0; i < 8; i++) issued.push(c.next());
  assert.deepEqual(issued, [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
  assert.match(c.alarm ?? '', /not persisted/);
  // The disk comes back: the next reservation covers everything issued so far.
  rmSync(join(dir, 'seq'), { recursive: true });
  (c as unknown as { lastAttemptMs: number }).lastAttemptMs = 0;
  c.next();
  assert.equal(c.alarm, undefined);
  assert.ok(BigInt(readFileSync(join(dir, 'seq'), 'utf8').trim()) > 9n);
  rmSync(dir, { recursive: true });
});

test('opening on an unwritable state dir still starts, above the last reservation', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'seq'), '500\n');
  const blocker = join(dir, 'seq.tmp-' + process.pid);
  mkdirSync(blocker); // the temp file of the atomic write cannot be created
  const c = SequenceCounter.open(dir);
  assert.equal(c.next(), 500n);
  assert.ok(c.alarm);
  rmSync(dir, { recursive: true });
});

test('file modes: a state dir the counter creates is 0750, the seq file 0640, an old 0644 file is tightened', (t) => {
  // The usual service umask; a stricter one would only narrow these further.
  const old = process.umask(0o022);
  const base = tmp();
  t.after(() => {
    process.umask(old);
    rmSync(base, { recursive: true, force: true });
  });
  const dir = join(base, 'state');
  SequenceCounter.open(dir).next();
  assert.equal(statSync(dir).mode & 0o777, 0o750);
  assert.equal(statSync(join(dir, 'seq')).mode & 0o777, 0o640);
  // A seq file left 0644 by an older version is replaced at the first reservation.
  chmodSync(join(dir, 'seq'), 0o644);
  SequenceCounter.open(dir).next();
  assert.equal(statSync(join(dir, 'seq')).mode & 0o777, 0o640);
});
