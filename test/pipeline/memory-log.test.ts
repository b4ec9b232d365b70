import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLog } from '../../src/pipeline/memory-log';
import type { LogEntry } from '../../src/pipeline/message-log';

const entry = (seq: number, size = 10): LogEntry => ({
  seq: BigInt(seq),
  frames: [Buffer.from('t'), Buffer.alloc(size - 2), Buffer.from('b')],
});

test('each cursor sees every entry in order; next() waits for appends', async () => {
  const log = new MemoryLog();
  const a = log.openCursor('a', { maxMessages: 100, maxBytes: 1e6, overflow: 'drop-oldest' });
  const b = log.openCursor('b', { maxMessages: 100, maxBytes: 1e6, overflow: 'drop-oldest' });
  const pending = a.next();
  log.append(entry(1));
  log.append(entry(2));
  assert.equal((await pending)!.seq, 1n);
  assert.equal((await a.next())!.seq, 2n);
  assert.deepEqual([b.poll()!.seq, b.poll()!.seq, b.poll()], [1n, 2n, undefined]);
});

test('drop-oldest keeps the newest within message and byte limits and counts drops', () => {
  const log = new MemoryLog();
  const c = log.openCursor('c', { maxMessages: 3, maxBytes: 1e6, overflow: 'drop-oldest' });
  for (let i = 1; i <= 10; i++) log.append(entry(i));
  assert.deepEqual(c.backlog(), { messages: 3, bytes: 30 });
  assert.equal(c.drops.overflow, 7);
  assert.equal(c.poll()!.seq, 8n);
  const d = log.openCursor('d', { maxMessages: 100, maxBytes: 25, overflow: 'drop-oldest' });
  for (let i = 1; i <= 5; i++) log.append(entry(i));
  assert.deepEqual(d.backlog(), { messages: 2, bytes: 20 });
  assert.equal(d.drops.overflow, 3);
});

test('drop-newest refuses new entries when full', () => {
  const log = new MemoryLog();
  const c = log.openCursor('c', { maxMessages: 2, maxBytes: 1e6, overflow: 'drop-newest' });
  for (let i = 1; i <= 5; i++) log.append(entry(i));
  assert.deepEqual([c.poll()!.seq, c.poll()!.seq, c.poll()], [1n, 2n, undefined]);
  assert.equal(c.drops.overflow, 3);
});

test('commit forgets, rewind re-reads what is in flight', () => {
  const log = new MemoryLog();
  const c = log.openCursor('c', { maxMessages: 100, maxBytes: 1e6, overflow: 'drop-oldest' });
  for (let i = 1; i <= 5; i++) log.append(entry(i));
  c.poll(); c.poll(); c.poll();
  c.commit(2n);
  assert.equal(c.committed, 2n);
  c.rewind();
  assert.equal(c.poll()!.seq, 3n);
  assert.equal(c.backlog().messages, 3);
});

test('close wakes a waiting reader with undefined; a slow cursor never holds back a fast one', async () => {
  const log = new MemoryLog();
  const slow = log.openCursor('slow', { maxMessages: 2, maxBytes: 1e6, overflow: 'drop-oldest' });
  const fast = log.openCursor('fast', { maxMessages: 1000, maxBytes: 1e6, overflow: 'drop-oldest' });
  for (let i = 1; i <= 100; i++) {
    log.append(entry(i));
    fast.commit(fast.poll()!.seq);
  }
  assert.equal(fast.committed, 100n);
  assert.equal(slow.backlog().messages, 2);
  const w = slow.next();
  slow.close();
  assert.equal((await w)!.seq, 99n);
  assert.equal(await slow.next(), undefined);
});

test('memory stays bounded under a flood with a stalled cursor', () => {
  const log = new MemoryLog();
  const stalled = log.openCursor('stalled', { maxMessages: 1000, maxBytes: 1e6, overflow: 'drop-oldest' });
  for (let i = 1; i <= 200_000; i++) log.append(entry(i, 100));
  assert.ok(stalled.backlog().messages <= 1000);
  assert.ok(stalled.backlog().bytes <= 1e6);
  assert.equal(stalled.drops.overflow, 199_000);
});
