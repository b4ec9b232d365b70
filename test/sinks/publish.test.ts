// The publish sink (XPUB fan-out) against real zeromq subscriber sockets, in-process: no daemon.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import type { Config } from '../../src/config/schema';
import { MemoryLog } from '../../src/pipeline/memory-log';
import { PublishSink } from '../../src/sinks/publish';
import { createLogger } from '../../src/util/log';
import { until } from '../helpers/processes';
import { reading } from './mqtt/fixtures';

type PublishConfig = Config['upstream']['publish'];

function publishConfig(over: Partial<PublishConfig>): PublishConfig {
  return {
    bind: [], connect: [], hwm: 10_000, queue_messages: 100_000, queue_bytes: 1 << 30,
    overflow: 'drop-oldest', linger_ms: 0, count_drops: true, ...over,
  };
}

/** A started sink reading a fresh memory log; stopped when the test ends. */
async function startSink(t: TestContext, cfg: PublishConfig) {
  const log = new MemoryLog();
  const cursor = log.openCursor('publish', { maxMessages: cfg.queue_messages, maxBytes: cfg.queue_bytes, overflow: cfg.overflow });
  const sink = new PublishSink(cfg, createLogger('silent'));
  t.after(async () => {
    await sink.stop(0);
    await log.close();
  });
  await sink.start(cursor);
  return { log, cursor, sink };
}

function subscriber(t: TestContext, opts: ConstructorParameters<typeof zmq.Subscriber>[0] = {}): zmq.Subscriber {
  const sub = new zmq.Subscriber({ linger: 0, ...opts });
  t.after(() => sub.close());
  return sub;
}

function ipcDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-pub-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function receive(sub: zmq.Subscriber, n: number): Promise<Buffer[][]> {
  const got: Buffer[][] = [];
  const deadline = setTimeout(() => sub.close(), 10_000);
  try {
    for await (const frames of sub) {
      got.push(frames);
      if (got.length === n) break;
    }
  } finally {
    clearTimeout(deadline);
  }
  return got;
}

test('binds (a :* port becomes the real one), delivers every entry in order, counts and commits', async (t) => {
  const { log, cursor, sink } = await startSink(t, publishConfig({ bind: ['tcp://127.0.0.1:*'] }));
  const [ep] = sink.boundEndpoints();
  assert.match(ep, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(sink.status().state, 'listening');
  const sub = subscriber(t);
  sub.connect(ep);
  sub.subscribe('ble/');
  await until('subscription seen by the XPUB', () => sink.status().subscriptions === 1, 10_000);
  const n = 200;
  const sent = Array.from({ length: n }, (_, i) => reading(BigInt(i + 1), `dev${i % 7}`));
  for (const e of sent) log.append(e);
  const got = await receive(sub, n);
  assert.equal(got.length, n);
  got.forEach((frames, i) => assert.deepEqual(frames, sent[i].frames, `message ${i + 1} arrives intact, in order`));
  await until('cursor committed', () => cursor.committed === BigInt(n), 5000);
  const st = sink.status();
  assert.equal(st.sent, n);
  assert.deepEqual(st.drops, {});
  assert.equal(st.cursor, String(n));
});

test('a burst far beyond 512 sends goes out in order without awaiting each send (count_drops: sends settle at once)', async (t) => {
  const dir = ipcDir(t);
  const ep = `ipc://${join(dir, 'pub.sock')}`;
  const { log, cursor, sink } = await startSink(t, publishConfig({ bind: [ep] }));
  const sub = subscriber(t);
  sub.connect(ep);
  sub.subscribe('');
  await until('subscription seen', () => sink.status().subscriptions === 1, 10_000);
  // zeromq.js throws "busy writing" on a send while another is pending and delays every 512th
  // awaited one; appended in one turn, these are drained synchronously in slices.
  const n = 3000;
  const sent = Array.from({ length: n }, (_, i) => reading(BigInt(i + 1), `dev${i % 5}`));
  const got = receive(sub, n);
  for (const e of sent) log.append(e);
  const frames = await got;
  assert.equal(frames.length, n);
  frames.forEach((f, i) => assert.deepEqual(f, sent[i].frames, `message ${i + 1} intact, in order`));
  await until('every send counted', () => sink.status().sent === n, 5000);
  assert.equal(cursor.committed, BigInt(n));
  assert.deepEqual(sink.status().drops, {});
});

test('topic prefixes filter at the XPUB: a subscriber gets only its devices', async (t) => {
  const dir = ipcDir(t);
  const ep = `ipc://${join(dir, 'pub.sock')}`;
  const { log, sink } = await startSink(t, publishConfig({ bind: [ep] }));
  const sub = subscriber(t);
  sub.connect(ep);
  sub.subscribe('ble/wanted');
  await until('subscription seen', () => sink.status().subscriptions === 1, 10_000);
  for (let i = 1; i <= 20; i++) log.append(reading(BigInt(i), i % 2 ? 'wanted' : 'other'));
  const got = await receive(sub, 10);
  assert.ok(got.every((f) => f[0].toString() === 'ble/wanted'));
  assert.equal(sink.status().sent, 20, 'every entry is published; filtering is per subscriber');
});

test('connects out to a subscriber that binds', async (t) => {
  const dir = ipcDir(t);
  const ep = `ipc://${join(dir, 'sub.sock')}`;
  const sub = subscriber(t);
  await sub.bind(ep);
  sub.subscribe('');
  // A bound SUB takes in a new pipe (and sends it our subscription) only while it is read.
  const received = receive(sub, 1);
  const { log, sink } = await startSink(t, publishConfig({ connect: [ep] }));
  assert.equal(sink.status().state, 'connecting');
  await until('subscription seen', () => sink.status().subscriptions === 1, 10_000);
  log.append(reading(1n));
  const [frames] = await received;
  assert.deepEqual(frames, reading(1n).frames);
});

test('count_drops: a subscriber that never reads costs counted drops, never a stalled cursor', async (t) => {
  const dir = ipcDir(t);
  const ep = `ipc://${join(dir, 'pub.sock')}`;
  const { log, cursor, sink } = await startSink(t, publishConfig({ bind: [ep], hwm: 5 }));
  const sub = subscriber(t, { receiveHighWaterMark: 5 });
  sub.connect(ep);
  sub.subscribe('');
  await until('subscription seen', () => sink.status().subscriptions === 1, 10_000);
  // Bodies large enough that the kernel's socket buffers fill after a few hundred.
  const n = 1000;
  const pad = 'x'.repeat(16 * 1024);
  for (let i = 1; i <= n; i++) log.append(reading(BigInt(i), 'd', { pad }));
  await until('cursor passes every entry', () => cursor.committed === BigInt(n), 20_000);
  const st = sink.status();
  const hwm = (st.drops as Record<string, number>).hwm ?? 0;
  assert.ok(hwm > 0, 'drops at the high-water mark are counted');
  assert.equal((st.sent as number) + hwm, n, 'every entry is either sent or counted as dropped');
});

test('stop closes the socket and reports stopped; the cursor no longer waits', async (t) => {
  const { cursor, sink } = await startSink(t, publishConfig({ bind: ['tcp://127.0.0.1:*'] }));
  await sink.stop(0);
  assert.equal(sink.status().state, 'stopped');
  assert.equal(await cursor.next(), undefined);
  await sink.stop(0); // a second stop is harmless
});
