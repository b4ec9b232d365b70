/**
 * NATS sink throughput against a local `nats-server -js` (file storage): Spool -> NatsSink
 * (cursor committed on the JetStream ack) next to a bare @nats-io/jetstream client publishing the
 * same subjects, data and Nats-Msg-Ids with the same window, measured in the same run. Then a fleet:
 * 4 gateways (4 spools, 4 sinks) hearing overlapping traffic, every distinct reading heard by 3 of
 * them; the stream must end with each distinct reading exactly once.
 * Run: `npx tsx bench/nats.ts` (or via the bench runner). BENCH_N sets the message count.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager, StorageType, type PubAck } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pino from 'pino';
import { parseConfig } from '../src/config/load';
import type { LogEntry } from '../src/pipeline/message-log';
import { msgIdFor, NatsSink, streamData, subjectFor } from '../src/sinks/nats';
import { Spool } from '../src/spool/spool';
import { NatsServer } from '../test/helpers/nats-server';
import { benchMessage } from './reliable';

const WINDOW = 1000;
const silent = pino({ level: 'silent' });

function natsCfg(url: string, stream: string, prefix: string) {
  return parseConfig(JSON.stringify({ upstream: { nats: { url, stream, subject_prefix: prefix, window: WINDOW } } })).upstream.nats!;
}

async function freshStream(url: string, name: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(name).catch(() => undefined);
  await jsm.streams.add({ name, subjects: [`${prefix}.>`], storage: StorageType.File, duplicate_window: 120e9 });
  await nc.close();
}

async function streamCount(url: string, name: string): Promise<number> {
  const nc = await connect({ servers: url });
  const n = (await (await jetstreamManager(nc)).streams.info(name)).state.messages;
  await nc.close();
  return n;
}

/** Readings/s of a bare client: prebuilt publishes, at most WINDOW awaiting their ack. */
async function bareClient(url: string, msgs: LogEntry[]): Promise<number> {
  await freshStream(url, 'BENCH_BARE', 'bare');
  const prepared = msgs.map((e) => ({
    subject: subjectFor('bare', 'bench-gw', e.frames[0])!,
    data: streamData(e.frames[1], e.frames[2]),
    msgID: msgIdFor(e.frames[1]),
  }));
  const nc = await connect({ servers: url });
  const js = jetstream(nc);
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const t0 = process.hrtime.bigint();
  const acks: Promise<PubAck>[] = [];
  for (const p of prepared) {
    while (inFlight >= WINDOW) await new Promise<void>((r) => (wake = r));
    inFlight++;
    acks.push(
      js.publish(p.subject, p.data, { msgID: p.msgID }).finally(() => {
        inFlight--;
        wake?.();
      }),
    );
  }
  await Promise.all(acks);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await nc.close();
  return msgs.length / secs;
}

/** One gateway: a spool and a NatsSink on it. */
async function gateway(url: string, dir: string, id: string, stream: string, prefix: string) {
  const spool = new Spool({ dir: path.join(dir, id), maxBytes: 512 << 20, fsyncMs: 200, segmentBytes: 4 << 20 });
  await spool.open();
  const cursor = spool.openCursor('nats', { maxMessages: 1e12, maxBytes: 1e15, overflow: 'drop-oldest' });
  const sink = new NatsSink(natsCfg(url, stream, prefix), id, silent);
  await sink.start(cursor);
  return {
    spool, cursor, sink,
    async close() {
      await sink.stop(0);
      await spool.close();
    },
  };
}

async function feed(spool: Spool, msgs: LogEntry[]): Promise<void> {
  for (let i = 0; i < msgs.length; i++) {
    spool.append(msgs[i]);
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 300_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Readings/s through Spool -> NatsSink until every entry is committed on its ack. */
async function sinkRun(url: string, dir: string, msgs: LogEntry[]): Promise<number> {
  await freshStream(url, 'BENCH_SINK', 'sink');
  const g = await gateway(url, dir, 'bench-gw', 'BENCH_SINK', 'sink');
  await new Promise<void>((resolve) => {
    const check = () => (g.sink.status().streamReady ? resolve() : setTimeout(check, 5));
    check();
  });
  const t0 = process.hrtime.bigint();
  await feed(g.spool, msgs);
  await until(() => g.cursor.committed >= BigInt(msgs.length));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await g.close();
  return msgs.length / secs;
}

/** 4 gateways, each distinct reading heard by 3 of them (same key, each its own seq). */
async function fleetRun(url: string, dir: string, distinct: number) {
  await freshStream(url, 'BENCH_FLEET', 'fleet');
  const gws = await Promise.all([0, 1, 2, 3].map((g) => gateway(url, dir, `fleet-gw${g}`, 'BENCH_FLEET', 'fleet')));
  const heard = gws.map((_, g) => {
    const out: LogEntry[] = [];
    for (let i = 0; i < distinct; i++) {
      if ((i + g) % 4 === 0) continue;
      const m = benchMessage(BigInt(i + 1));
      out.push({ seq: BigInt(out.length + 1), frames: m.frames });
    }
    return out;
  });
  const t0 = process.hrtime.bigint();
  await Promise.all(gws.map((g, i) => feed(g.spool, heard[i])));
  await until(() => gws.every((g, i) => g.cursor.committed >= BigInt(heard[i].length)));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const published = heard.reduce((a, h) => a + h.length, 0);
  const duplicates = gws.reduce((a, g) => a + (g.sink.status().duplicates as number), 0);
  await Promise.all(gws.map((g) => g.close()));
  const stored = await streamCount(url, 'BENCH_FLEET');
  return { secs, published, duplicates, stored };
}

/** Print NATS sink throughput next to the bare client, then the fleet run. */
export async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? 50_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowband-bench-nats-'));
  const server = new NatsServer({ storeDir: path.join(dir, 'js') });
  try {
    await server.start();
    const msgs = Array.from({ length: n }, (_, i) => benchMessage(BigInt(i + 1)));
    const bytes = streamData(msgs[0].frames[1], msgs[0].frames[2]).length;
    console.log(`nats sink, ${n} messages of ${bytes} B data, nats-server -js (file store) on loopback, window ${WINDOW}, ${os.cpus().length} cpus`);
    const bare = await bareClient(server.url, msgs);
    console.log(`  bare @nats-io/jetstream client        ${Math.round(bare).toLocaleString('en')} msg/s`);
    const sink = await sinkRun(server.url, dir, msgs);
    console.log(`  spool+NatsSink (commit on ack)        ${Math.round(sink).toLocaleString('en')} msg/s (${((sink / bare) * 100).toFixed(0)}% of bare; target >= 50%)`);
    const distinct = Math.round(n / 2);
    const f = await fleetRun(server.url, dir, distinct);
    const ok = f.stored === distinct && f.duplicates === f.published - distinct;
    console.log(
      `  fleet: 4 gateways, ${distinct} distinct readings heard 3x: ${Math.round(distinct / f.secs).toLocaleString('en')} readings/s stored, ` +
        `${Math.round(f.published / f.secs).toLocaleString('en')} publishes/s, ${f.duplicates} duplicates dropped, stream holds ${f.stored} ` +
        `(${ok ? 'each distinct reading exactly once' : 'MISMATCH'})`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
