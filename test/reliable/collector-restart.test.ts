import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Collector } from '../../src/collect/collector';
import { encodeFrames, Kind, RadioCode } from '../../src/wire/message';

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
