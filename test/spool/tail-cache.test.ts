import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entryBytes } from '../../src/pipeline/message-log';
import { RECORD_OVERHEAD } from '../../src/spool/record';
import { TailCache } from '../../src/spool/tail-cache';
import { message } from './helpers';

/** A cache holding ordinals 0..n-1 (seq = ordinal + 1), none written yet. */
function filled(n: number, limit = 1 << 20): TailCache {
  const c = new TailCache(limit);
  let cum = 0;
  for (let o = 0; o < n; o++) {
    const entry = message(BigInt(o + 1));
    const bytes = entryBytes(entry);
    c.push({ entry, ord: o, cumStart: cum, bytes });
    cum += bytes;
  }
  return c;
}

test('only written entries are evicted, oldest first, down to the RAM limit', () => {
  const c = filled(100, 1);
  c.evict();
  assert.equal(c.head()?.ord, 0, 'nothing written: nothing may go');
  const per = entryBytes(message(1n)) + RECORD_OVERHEAD;
  c.written(40, 40 * per);
  c.evict();
  assert.equal(c.head()?.ord, 40);
  assert.equal(c.at(39), undefined);
  assert.equal(c.at(40)?.entry.seq, 41n);
  assert.equal(c.unwrittenBytes, 60 * per);
  assert.equal(c.findSeq(50n)?.ord, 50, 'first entry after seq 50');
});

test('while the disk fails the oldest unwritten entries become holes that backlogs leave out', () => {
  const c = filled(10);
  c.written(3, 0);
  const dropped = [c.dropOldestUnwritten(10)!, c.dropOldestUnwritten(10)!, c.dropOldestUnwritten(10)!];
  assert.deepEqual(dropped.map((d) => d.ord), [3, 4, 5], 'written ones go first, then the unwritten ones as holes');
  assert.equal(c.head()?.ord, 6);
  assert.equal(c.unwrittenOrd, 6);
  assert.equal(c.holesAfter(0).messages, 3);
  assert.equal(c.holesAfter(4).messages, 2);
  assert.equal(c.holesAfter(6).messages, 0);
  c.forgetHolesBefore(6);
  assert.equal(c.holesAfter(0).messages, 0);
  for (let i = 0; i < 4; i++) c.dropOldestUnwritten(10);
  assert.equal(c.dropOldestUnwritten(10), undefined, 'nothing unwritten left');
});

test('written entries every cursor has committed leave RAM even under the limit; uncommitted ones stay', () => {
  const c = filled(100);
  c.evict(50);
  assert.equal(c.head()?.ord, 0, 'nothing written: a commit alone frees nothing (the disk has not got it)');
  c.written(80, 0);
  c.evict(50);
  assert.equal(c.head()?.ord, 50, 'ordinals before the lowest uncommitted one are gone');
  c.evict(100);
  assert.equal(c.head()?.ord, 80, 'the unwritten ones stay whatever was committed');
  assert.equal(c.length, 20);
});
