import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentKeys, RunTracker } from '../../src/pipeline/runs';

const p = (h: string) => Buffer.from(h, 'hex');

test('identical payloads in a run share the start; a change or a gap starts a new run', () => {
  const r = new RunTracker(10_000, 300_000);
  const s1 = r.runStart('ble/aa', p('01'), 1_000_000);
  assert.equal(r.runStart('ble/aa', p('01'), 1_100_000), s1);
  assert.equal(r.runStart('ble/aa', p('01'), 5_000_000), s1);
  const s2 = r.runStart('ble/aa', p('02'), 5_100_000);
  assert.notEqual(s2, s1);
  const s3 = r.runStart('ble/aa', p('01'), 5_200_000);
  assert.notEqual(s3, s1, 'a later identical reading gets a new run');
  assert.notEqual(r.runStart('ble/aa', p('01'), 16_000_000), s3, 'silence longer than the gap');
});

test('a never-changing sensor still gets a new run after run_max', () => {
  const r = new RunTracker(10_000, 60_000);
  const s = r.runStart('d', p('01'), 0);
  let t = 0;
  while (t < 60_000_000) {
    t += 1_000_000;
    if (r.runStart('d', p('01'), t) !== s) break;
  }
  assert.ok(t > 59_000_000 && t <= 61_000_000);
});

test('run state is bounded', () => {
  const r = new RunTracker(10_000, 60_000, 100);
  for (let i = 0; i < 10_000; i++) r.runStart(`d${i}`, p('01'), i);
  assert.equal(r.size, 100);
});

test('RecentKeys: duplicate within the window, fresh after it, disabled at 0, bounded', () => {
  const k = new RecentKeys(2000, 1000);
  const a = p('00112233445566778899aabbccddeeff');
  assert.equal(k.isDuplicate(a, 0), false);
  assert.equal(k.isDuplicate(a, 1999), true);
  assert.equal(k.isDuplicate(a, 4500), false);
  assert.equal(new RecentKeys(0).isDuplicate(a, 0), false);
  for (let i = 0; i < 5000; i++) k.isDuplicate(Buffer.from(String(i).padStart(16, '0')), 5000);
  assert.equal(k.isDuplicate(Buffer.from('0'.padStart(16, '0')), 5000), false, 'evicted beyond the bound');
});

test('RecentKeys: exact bytes decide, whatever the length, also after the table grew', () => {
  const k = new RecentKeys(60_000);
  const keys = Array.from({ length: 20_000 }, (_, i) => Buffer.from(`key-${i}`));
  for (const key of keys) assert.equal(k.isDuplicate(key, 1), false);
  for (const key of keys) assert.equal(k.isDuplicate(Buffer.from(key), 2), true, 'a copy of a seen key is a duplicate');
  assert.equal(k.isDuplicate(p('00'), 3), false);
  assert.equal(k.isDuplicate(p('0000'), 3), false, 'a longer key with the same bytes is another key');
  assert.equal(k.isDuplicate(Buffer.alloc(0), 3), false);
  assert.equal(k.isDuplicate(Buffer.alloc(0), 3), true);
  assert.equal(k.isDuplicate(Buffer.alloc(300, 7), 3), false);
  assert.equal(k.isDuplicate(Buffer.alloc(300, 7), 3), true);
});

test('RecentKeys: a burst sizes the next generation, a quiet spell shrinks it back', () => {
  const rk = new RecentKeys(1000, 100_000);
  const key = (i: number) => {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(i, 0);
    return b;
  };
  // A burst: 50,000 keys within one window.
  for (let i = 0; i < 50_000; i++) rk.isDuplicate(key(i), 1);
  const burst = rk.capacity;
  assert.ok(burst >= 100_000, `the burst's generation grew (${burst} slots)`);
  // The next generation starts with that room: no regrowth at the same rate.
  rk.isDuplicate(key(1_000_000), 1001);
  assert.equal(rk.capacity, burst);
  // Then ten keys per window: within two windows the table is back to its smallest.
  for (let w = 2; w <= 4; w++) for (let i = 0; i < 10; i++) rk.isDuplicate(key(2_000_000 + w * 100 + i), w * 1000 + 1 + i);
  assert.equal(rk.capacity, 1024);
  assert.equal(rk.isDuplicate(key(2_000_000 + 400), 4020), true, 'still de-duplicates');
});
