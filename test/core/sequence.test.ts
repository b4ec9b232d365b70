import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
