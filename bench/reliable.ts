/**
 * Reliable-sink throughput: Spool -> ReliableSink -> Collector (in-process, tcp loopback, acks
 * cumulative), next to a raw zeromq.js DEALER -> ROUTER baseline with the same message shape
 * measured in the same run. Run: `npx tsx bench/reliable.ts` (or via the bench runner).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Dealer, Router } from 'zeromq';
import { Collector } from '../src/collect/collector';
import type { LogEntry } from '../src/pipeline/message-log';
import { ReliableSink } from '../src/sinks/reliable';
import { Spool } from '../src/spool/spool';
import { encodeFrames, Kind, RadioCode } from '../src/wire/message';

/** A typical decoded BLE reading as the gateway would send it (about 150 bytes in 3 frames). */
export function benchMessage(seq: bigint): LogEntry {
  const key = Buffer.alloc(16);
  key.writeBigUInt64BE(seq, 8);
  return {
    seq,
    frames: encodeFrames('ble/a4c138d5d498', Kind.reading, RadioCode.ble, 1, seq, 1_700_000_000_000_000n + seq, key, {
      gw: 'bench-gw', dev: 'a4c138d5d498', src: 'ble0', raw: Buffer.alloc(24, 7), rssi: -71, fmt: 'bthome',
      fields: { temperature: 21.5, humidity: 48.2, battery: 97 },
    }),
  };
}

/** Messages per second a bare DEALER -> ROUTER pair moves (one awaited send at a time). */
export async function rawDealerRouter(n: number): Promise<number> {
  const router = new Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:0');
  const dealer = new Dealer({ linger: 0, immediate: true });
  dealer.connect(router.lastEndpoint!);
  const msgs = Array.from({ length: n }, (_, i) => benchMessage(BigInt(i + 1)).frames);
  const t0 = process.hrtime.bigint();
  const recv = (async () => {
    for (let i = 0; i < n; i++) await router.receive();
  })();
  for (const m of msgs) await dealer.send(m);
  await recv;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  dealer.close();
  router.close();
  return n / secs;
}

async function reliableRun(n: number, window: number): Promise<{ rate: number; resends: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowband-bench-'));
  const collector = new Collector({ bind: 'tcp://127.0.0.1:0', dedupKeys: n + 10 });
  const endpoint = await collector.start();
  const spool = new Spool({ dir, maxBytes: 256 << 20, fsyncMs: 200, segmentBytes: 4 << 20 });
  await spool.open();
  const cursor = spool.openCursor('reliable', { maxMessages: 1e12, maxBytes: 1e15, overflow: 'drop-oldest' });
  const sink = new ReliableSink({ connect: endpoint, window, ackTimeoutMs: 5000 });
  await sink.start(cursor);
  const msgs = Array.from({ length: n }, (_, i) => benchMessage(BigInt(i + 1)));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    spool.append(msgs[i]);
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  while (cursor.committed < BigInt(n)) await new Promise((r) => setTimeout(r, 2));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const resends = sink.status().resends as number;
  await sink.stop(0);
  await spool.close();
  await collector.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return { rate: n / secs, resends };
}

/** Print reliable-sink throughput next to the raw baseline. */
export async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? 100_000);
  const bytes = benchMessage(1n).frames.reduce((a, f) => a + f.length, 0);
  console.log(`reliable sink, ${n} messages of ${bytes} B (3 frames), tcp loopback, ${os.cpus().length} cpus`);
  const raw = await rawDealerRouter(n);
  console.log(`  raw DEALER->ROUTER baseline         ${Math.round(raw).toLocaleString('en')} msg/s`);
  for (const window of [100, 1000]) {
    const r = await reliableRun(n, window);
    console.log(`  spool+ReliableSink->Collector w=${String(window).padEnd(5)} ${Math.round(r.rate).toLocaleString('en')} msg/s (${((r.rate / raw) * 100).toFixed(0)}% of raw, ${r.resends} resends)`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
