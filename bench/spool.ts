/**
 * Spool append and catch-up read rates at several fsync settings, next to a raw zeromq.js
 * DEALER -> ROUTER baseline with the same message shape measured in the same run.
 * Run: `npx tsx bench/spool.ts` (or via the bench runner). Uses the OS temp dir's disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool } from '../src/spool/spool';
import { recordBytes } from '../src/spool/record';
import { scanRecords } from '../src/spool/record-scan';
import { benchMessage, rawDealerRouter } from './reliable';

/**
 * `live`: a sink waits on its cursor and appends come in bursts of 8 per turn (one Semtech
 * datagram), so every burst costs its own write-ahead write before the reader sees it.
 */
async function appendRun(n: number, fsyncMs: number, live = false): Promise<{ appendRate: number; mbps: number; readRate: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowband-bench-'));
  const spool = new Spool({ dir, maxBytes: 1 << 30, fsyncMs, segmentBytes: 4 << 20 });
  await spool.open();
  const cursor = spool.openCursor('reader', { maxMessages: 1e12, maxBytes: 1e15, overflow: 'drop-oldest' });
  const msgs = Array.from({ length: n }, (_, i) => benchMessage(BigInt(i + 1)));
  const bytes = msgs.reduce((a, m) => a + recordBytes(m), 0);
  let read = 0;
  const reader = live
    ? (async () => {
        while (read < n && (await cursor.next())) {
          read++;
          while (cursor.poll()) read++;
        }
      })()
    : undefined;
  const burst = live ? 8 : 500;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    spool.append(msgs[i]);
    // Let the group commit run as it would between radio packets.
    if (i % burst === burst - 1) await new Promise((r) => setImmediate(r));
  }
  await reader;
  while (spool.status().memoryBytes > 0) await new Promise((r) => setTimeout(r, 1));
  await spool.close(); // includes the final fdatasync
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  void cursor;
  // Catch-up read of the whole backlog from the segment files (a backend back after an outage).
  const reopened = new Spool({ dir, maxBytes: 1 << 30, fsyncMs, segmentBytes: 4 << 20 });
  await reopened.open();
  const c = reopened.openCursor('reader', { maxMessages: 1e12, maxBytes: 1e15, overflow: 'drop-oldest' });
  const r0 = process.hrtime.bigint();
  let got = 0;
  while (c.poll()) got++;
  const rsecs = Number(process.hrtime.bigint() - r0) / 1e9;
  await reopened.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (got !== n) throw new Error(`read back ${got} of ${n}`);
  return { appendRate: n / secs, mbps: bytes / secs / 1e6, readRate: n / rsecs };
}

/**
 * Start time of a full 64 MiB spool (the default max_bytes and segment_bytes): open() reads
 * only what recovery needs. Baseline in the same run: reading every byte of the segment files.
 */
async function startRun(): Promise<{ openMs: number; readAllMs: number; scanAllMs: number; segments: number; records: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowband-bench-start-'));
  const opts = { dir, maxBytes: 64 << 20, fsyncMs: 200, segmentBytes: 4 << 20 };
  const spool = new Spool(opts);
  await spool.open();
  const per = recordBytes(benchMessage(1n));
  const records = Math.floor((64 << 20) / per) - 4096;
  for (let i = 1; i <= records; i++) {
    spool.append(benchMessage(BigInt(i)));
    if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
  }
  await spool.close();
  const files = fs.readdirSync(dir).filter((n) => n.endsWith('.seg'));
  const time = async (f: () => Promise<void> | void): Promise<number> => {
    const ms: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t0 = process.hrtime.bigint();
      await f();
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return ms.sort((a, b) => a - b)[1];
  };
  const readAllMs = await time(() => {
    for (const n of files) fs.readFileSync(path.join(dir, n));
  });
  // What open() did before the fast start: verify every record of every segment.
  const scanAllMs = await time(() => {
    for (const n of files) {
      const fd = fs.openSync(path.join(dir, n), 'r');
      scanRecords((buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos), fs.fstatSync(fd).size, 0n);
      fs.closeSync(fd);
    }
  });
  const openMs = await time(async () => {
    const s = new Spool(opts);
    await s.open();
    if (s.lastSeq() !== BigInt(records)) throw new Error(`reopened at ${s.lastSeq()}, wrote ${records}`);
    await s.close();
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { openMs, readAllMs, scanAllMs, segments: files.length, records };
}

/** Print spool append/read rates next to the raw ZeroMQ baseline. */
export async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? 200_000);
  const m = benchMessage(1n);
  console.log(`spool, ${n} messages of ${recordBytes(m)} B on disk (${m.frames.reduce((a, f) => a + f.length, 0)} B of frames), dir ${os.tmpdir()}`);
  const raw = await rawDealerRouter(Math.min(n, 100_000));
  console.log(`  raw DEALER->ROUTER baseline      ${Math.round(raw).toLocaleString('en')} msg/s`);
  for (const fsyncMs of [200, 10, 0]) {
    const r = await appendRun(n, fsyncMs);
    console.log(
      `  append fsync_ms=${String(fsyncMs).padEnd(4)}            ${Math.round(r.appendRate).toLocaleString('en')} msg/s, ${r.mbps.toFixed(1)} MB/s;` +
        ` catch-up read ${Math.round(r.readRate).toLocaleString('en')} msg/s`,
    );
  }
  const st = await startRun();
  console.log(
    `  start, full 64 MiB spool (${st.segments} segments, ${st.records.toLocaleString('en')} records) ${st.openMs.toFixed(0)} ms` +
      ` (reading every byte: ${st.readAllMs.toFixed(0)} ms, verifying every record: ${st.scanAllMs.toFixed(0)} ms; target <= 1000 ms)`,
  );
  for (const fsyncMs of [200, 0]) {
    const r = await appendRun(n, fsyncMs, true);
    console.log(
      `  append+live reader, 8/turn, fsync_ms=${String(fsyncMs).padEnd(3)} ${Math.round(r.appendRate).toLocaleString('en')} msg/s` +
        ` (${(r.appendRate / raw).toFixed(1)}x raw; one write-ahead write per burst)`,
    );
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
