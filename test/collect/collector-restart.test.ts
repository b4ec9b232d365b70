import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACKS_SUFFIX, Collector } from '../../src/collect/collector';
import { decodeFrames, encodeFrames, Kind, RadioCode } from '../../src/wire/message';

// The collector's cumulative ack around a gateway restart: the counter skips ahead by a block,
// and sys/online's prev_seq says so. Driven through onMessage/tick directly: no sockets needed.

const key = (s: bigint) => createHash('sha256').update(String(s)).digest().subarray(0, 16);
const reading = (s: bigint) => encodeFrames('lora/raw', Kind.reading, RadioCode.lora, 0, s, 1, key(s), { gw: 'g', dev: 'raw', src: 'udp0', raw: Buffer.from([1]) });
const online = (s: bigint, prev?: bigint) =>
  encodeFrames('sys/online', Kind.event, RadioCode.sys, 0, s, 1, key(s), { gw: 'g', dev: 'online', src: 'gateway', ...(prev !== undefined ? { prev_seq: prev } : {}) });

function rig() {
  const c = new Collector({ bind: 'inproc://unused', gapMs: 50 });
  const internals = c as unknown as { onMessage(peer: Buffer, f: Buffer[]): void; tick(): void; gateways: Map<string, { acked?: bigint; stored: Set<bigint> }> };
  return {
    on: (f: Buffer[]) => internals.onMessage(Buffer.from('p'), f),
    tick: () => internals.tick(),
    state: () => internals.gateways.get('g')!,
  };
}

test('prev_seq lets the ack jump the restart gap at once', () => {
  const r = rig();
  r.on(online(1n));
  r.on(reading(2n));
  r.on(reading(3n));
  assert.equal(r.state().acked, 3n);
  r.on(online(10001n, 3n));
  r.on(reading(10002n));
  assert.equal(r.state().acked, 10002n);
});

test('readings stored inside a skipped range never drag the ack backwards', () => {
  const r = rig();
  r.on(online(1n));
  r.on(reading(2n));
  r.on(reading(3n));
  // A reading numbered before the online event arrives first, then online claims the range.
  r.on(reading(10001n));
  r.on(reading(10002n));
  r.on(online(10003n, 3n));
  assert.equal(r.state().acked, 10003n);
  assert.equal(r.state().stored.size, 0);
  r.on(reading(10005n)); // 10004 missing for a while
  (r.state() as unknown as { gapSince: number }).gapSince = Date.now() - 1000;
  r.tick();
  assert.equal(r.state().acked, 10005n, 'skips the hole and takes what follows it; never backwards');
  r.on(reading(10006n));
  assert.equal(r.state().acked, 10006n);
});

test('a restarted collector continues from its saved acks: resends are not stored twice, new seqs ack at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-collect-'));
  const out = join(dir, 'out.jsonl');
  const run = async (feed: Buffer[][]) => {
    const c = new Collector({ bind: `ipc://${join(dir, 'c.sock')}`, out, fsyncMs: 5, gapMs: 600_000 });
    await c.start();
    const internals = c as unknown as { onMessage(peer: Buffer, f: Buffer[]): void; gateways: Map<string, { acked?: bigint }> };
    for (const f of feed) internals.onMessage(Buffer.from('p'), f);
    const last = decodeFrames(feed[feed.length - 1]).seq;
    // Stored means written, fsynced and acknowledged (the ack state is saved before the ack).
    for (let i = 0; i < 500 && existsSync(out + ACKS_SUFFIX) === false; i++) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 500 && (internals.gateways.get('g')?.acked ?? 0n) < last; i++) await new Promise((r) => setTimeout(r, 10));
    const acked = internals.gateways.get('g')?.acked;
    await c.stop();
    return acked;
  };
  assert.equal(await run([online(1n), reading(2n), reading(3n)]), 3n);
  // Second run: the gateway resends 3 (its ack was lost) and goes on with 4; no gap wait.
  assert.equal(await run([reading(3n), reading(4n)]), 4n);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).seq);
  assert.deepEqual(lines, ['1', '2', '3', '4'], 'seq 3 stored once');
  // A gateway whose numbering started over (state wiped) is not silently ignored.
  assert.equal(await run([online(1n), reading(2n)]), 2n);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 6);
  rmSync(dir, { recursive: true, force: true });
});
