import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Dealer } from 'zeromq';
import { Collector } from '../../src/collect/collector';
import { runCollect } from '../../src/collect/command';
import { withRedelivery } from '../../src/wire/message';
import { message, tempDir, until } from '../spool/helpers';

async function dealerTo(endpoint: string): Promise<{ d: Dealer; acks: bigint[]; done: Promise<void> }> {
  const d = new Dealer({ linger: 0 });
  d.connect(endpoint);
  const acks: bigint[] = [];
  const done = (async () => {
    try {
      for await (const [word, seq] of d) if (word.toString() === 'ACK') acks.push(seq.readBigUInt64BE(0));
    } catch {
      // closed
    }
  })();
  return { d, acks, done };
}

test('collector acks the highest contiguous seq only once lines are on disk, and stores duplicates once', async () => {
  const { dir, cleanup } = tempDir('lowband-col-');
  const out = path.join(dir, 'out.jsonl');
  const c = new Collector({ bind: `ipc://${path.join(dir, 'c.sock')}`, out, fsyncMs: 10, gapMs: 60_000 });
  const endpoint = await c.start();
  const { d, acks, done } = await dealerTo(endpoint);
  try {
    for (const s of [1n, 2n, 3n]) await d.send(message(s).frames);
    await until(() => acks.includes(3n), 10_000, 'ack 3');
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: string; key: string });
    assert.deepEqual(lines.map((l) => l.seq), ['1', '2', '3'], 'acked lines are in the file');
    // Out of order: 5 arrives before 4; the ack waits for the hole to fill.
    await d.send(message(5n).frames);
    const dup = message(2n);
    await d.send([dup.frames[0], withRedelivery(dup.frames[1]), dup.frames[2]]);
    await until(() => c.stats().duplicates === 1, 10_000, 'duplicate seen');
    assert.ok(!acks.some((a) => a > 3n), 'no ack past the hole at 4');
    await d.send(message(4n).frames);
    await until(() => acks.includes(5n), 10_000, 'ack 5 after the hole filled');
    const st = c.stats();
    assert.equal(st.received, 6);
    assert.equal(st.unique, 5);
    assert.equal(st.duplicates, 1);
    await d.send([Buffer.from('x')]);
    await until(() => c.stats().malformed === 1, 10_000, 'malformed counted');
    await c.stop();
    assert.equal(fs.readFileSync(out, 'utf8').trim().split('\n').length, 5, 'each key stored once');
  } finally {
    d.close();
    await done;
    await c.stop();
    cleanup();
  }
});

test('a hole the gateway never fills is acknowledged past after gapMs; a new gateway settles first', async () => {
  const { dir, cleanup } = tempDir('lowband-col-');
  const c = new Collector({ bind: `ipc://${path.join(dir, 'c.sock')}`, gapMs: 200 });
  const endpoint = await c.start();
  const { d, acks, done } = await dealerTo(endpoint);
  try {
    // First contact in the middle of a stream (seq 10): the start is unknown until the settle time.
    for (const s of [11n, 10n, 12n]) await d.send(message(s).frames);
    await until(() => acks.includes(12n), 10_000, 'ack after settling');
    assert.ok(!acks.some((a) => a < 12n && a !== 9n), 'nothing acked below the lowest seen');
    await d.send(message(14n).frames); // 13 was dropped on the gateway
    await until(() => acks.includes(14n), 10_000, 'ack past the hole');
    assert.equal(c.stats().gapsSkipped, 1);
  } finally {
    d.close();
    await done;
    await c.stop();
    cleanup();
  }
});

test('lowband collect rejects bad usage with exit code 2', async () => {
  const err = new PassThrough();
  let text = '';
  err.on('data', (b: Buffer) => (text += b.toString()));
  assert.equal(await runCollect(['--bogus'], new PassThrough(), err), 2);
  assert.match(text, /unknown argument/);
  assert.equal(await runCollect(['--bind', 'nonsense'], new PassThrough(), err), 2);
  assert.equal(await runCollect(['--gap-ms', '-3'], new PassThrough(), err), 2);
});
