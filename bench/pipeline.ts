// Readings through the whole pipeline (key, de-dup, seq, CBOR, memory log, XPUB writer loop)
// to a subscriber process, next to raw zeromq.js PUB→SUB with the same message shape, same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as zmq from 'zeromq';
import { parseConfig } from '../src/config/load';
import { nowUs, type Reading } from '../src/core/reading';
import { SequenceCounter } from '../src/core/sequence';
import { MemoryLog } from '../src/pipeline/memory-log';
import { Pipeline } from '../src/pipeline/pipeline';
import { PublishSink } from '../src/sinks/publish';
import { createLogger } from '../src/util/log';
import { encodeFrames } from '../src/wire/message';
import { mainThreadCpuUs } from './gateway-child';

const N = Number(process.env.BENCH_N ?? 200_000);

interface SubResult { received: number; seconds: number; perSecond: number; p50us: number; p99us: number; seqGaps: number }

/** The raw baseline also says what its sends cost this process (user + system, libzmq's thread included). */
export type RawResult = SubResult & { cpuUsPerMsg: number; mainUsPerMsg: number };

function startSubscriber(endpoint: string, count: number) {
  const isTs = __filename.endsWith('.ts');
  const script = join(__dirname, `subscriber.${isTs ? 'ts' : 'js'}`);
  const proc = spawn(process.execPath, [...(isTs ? ['--import', 'tsx'] : []), script, endpoint, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let ready!: () => void;
  let warm!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const warmP = new Promise<void>((r) => (warm = r));
  const result = new Promise<SubResult>((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (l) => {
      const o = JSON.parse(l);
      if (o.ready) ready();
      else if (o.warm) warm();
      else resolve(o);
    });
    proc.once('exit', (code) => code !== 0 && reject(new Error(`subscriber exited ${code}`)));
  });
  return { readyP, warmP, result };
}

/** Send warm-up messages until the subscriber has one: no slow-joiner losses in the timed part. */
async function warmUp(send: () => Promise<void>, warmP: Promise<void>): Promise<void> {
  let done = false;
  void warmP.then(() => (done = true));
  while (!done) {
    await send();
    await new Promise((r) => setTimeout(r, 5));
  }
}

const BODY = { gw: 'bench-gw', dev: 'a4c138d5d498', src: 'ble0', raw: Buffer.from('4002ca0903bf13', 'hex'), rssi: -61, fmt: 'bthome', fields: { temperature: 25.06, humidity: 50.55 } };

/** Raw zeromq.js PUB→SUB with the frames built per message: the baseline of every ZeroMQ bench. */
export async function rawBaseline(dir: string): Promise<RawResult> {
  const endpoint = `ipc://${join(dir, 'raw.sock')}`;
  const pub = new zmq.Publisher({ sendHighWaterMark: 0, linger: 0 });
  await pub.bind(endpoint);
  const sub = startSubscriber(endpoint, N);
  await sub.readyP;
  const key = Buffer.alloc(16, 7);
  await warmUp(() => pub.send(['sys/warm', Buffer.alloc(36), Buffer.alloc(1)]), sub.warmP);
  // Same shape as a reading: the frames are built per message, as the pipeline must.
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs(process.pid);
  for (let i = 1; i <= N; i++) {
    await pub.send(encodeFrames('ble/a4c138d5d498', 1, 2, 1, BigInt(i), nowUs(), key, BODY));
  }
  const r = await sub.result;
  const cpu = process.cpuUsage(cpu0);
  const mainUs = mainThreadCpuUs(process.pid) - main0;
  pub.close();
  return { ...r, cpuUsPerMsg: (cpu.user + cpu.system) / N, mainUsPerMsg: mainUs / N };
}

async function throughPipeline(dir: string): Promise<SubResult & { drops: number; peakRssMb: number; cpuUsPerMsg: number; mainUsPerMsg: number }> {
  const endpoint = `ipc://${join(dir, 'pipe.sock')}`;
  const cfg = parseConfig(JSON.stringify({ state_dir: join(dir, 'state'), upstream: { publish: { bind: [endpoint], hwm: 100_000, queue_messages: 100_000 } } }));
  const log = createLogger('warn');
  const memLog = new MemoryLog();
  const pipeline = new Pipeline({ gatewayId: 'bench-gw', windowMs: 2000, runGapMs: 10_000, runMaxMs: 300_000 }, SequenceCounter.open(cfg.state_dir), memLog);
  const sink = new PublishSink(cfg.upstream.publish, log);
  const cursor = memLog.openCursor('publish', { maxMessages: 100_000, maxBytes: 64 << 20, overflow: 'drop-oldest' });
  await sink.start(cursor);
  const sub = startSubscriber(endpoint, N);
  await sub.readyP;
  await warmUp(async () => void pipeline.event('warm', {}), sub.warmP);
  const payload = Buffer.from('4002ca0903bf13', 'hex');
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs(process.pid);
  for (let i = 1; i <= N; i++) {
    const raw = Buffer.from(payload);
    raw.writeUInt16BE(i & 0xffff, 3);
    const r: Reading = {
      radio: 'ble', device: 'a4c138d5d498', src: 'ble0', raw, timeUs: nowUs(), rssi: -61, fmt: 'bthome',
      fields: { temperature: 25.06, humidity: 50.55 }, keySource: { kind: 'counter', mac: 'a4c138d5d498', fmt: 'bthome', counter: i, payload: raw },
    };
    pipeline.accept(r);
    // Let the writer loop run, as radio callbacks would between packets.
    if ((i & 255) === 0) await new Promise((res) => setImmediate(res));
  }
  const res = await sub.result;
  const cpu = process.cpuUsage(cpu0);
  const mainUs = mainThreadCpuUs(process.pid) - main0;
  const drops = Object.values(sink.status().drops).reduce((a, b) => a + (b as number), 0);
  await sink.stop(0);
  return { ...res, drops, peakRssMb: process.resourceUsage().maxRSS / 1024, cpuUsPerMsg: (cpu.user + cpu.system) / N, mainUsPerMsg: mainUs / N };
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-bench-'));
  try {
    const raw = await rawBaseline(dir);
    const pipe = await throughPipeline(dir);
    const f = (n: number) => Math.round(n).toLocaleString('en');
    console.log(`\npipeline bench: ${f(N)} readings, 3 frames (~${encodeFrames('ble/a4c138d5d498', 1, 2, 1, 1n, 1, Buffer.alloc(16), BODY).reduce((a, b) => a + b.length, 0)} B), ipc, subscriber in another process`);
    console.log(`  raw zeromq.js PUB->SUB   ${f(raw.perSecond).padStart(9)} msg/s   p50 ${f(raw.p50us)} us   p99 ${f(raw.p99us)} us`);
    console.log(`  lowband pipeline -> XPUB ${f(pipe.perSecond).padStart(9)} msg/s   p50 ${f(pipe.p50us)} us   p99 ${f(pipe.p99us)} us   drops ${pipe.drops}   seq gaps ${pipe.seqGaps}`);
    console.log(`  ratio pipeline/raw       ${(pipe.perSecond / raw.perSecond).toFixed(2)}`);
    console.log(`  CPU per message          pipeline ${pipe.cpuUsPerMsg.toFixed(1)} us (main thread ${pipe.mainUsPerMsg.toFixed(1)}), raw ${raw.cpuUsPerMsg.toFixed(1)} us (main thread ${raw.mainUsPerMsg.toFixed(1)})   bench process, user+system   ratio raw/pipeline ${(raw.cpuUsPerMsg / pipe.cpuUsPerMsg).toFixed(2)}`);
    console.log(`  peak RSS (bench process) ${pipe.peakRssMb.toFixed(1)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
