// The UDP path end to end, from outside: Semtech PUSH_DATA datagrams (8 rxpk each) → `lowband
// run` (a child process) → XPUB → a subscriber process. The gateway's own CPU comes from
// /proc/<pid>/stat (user + system, the whole process: libzmq's I/O thread included), its RSS
// from /proc/<pid>/status. Next to it, raw zeromq.js PUB→SUB in the same run (bench/pipeline).
// BENCH_UDP_N readings (default 200,000) offered at BENCH_UDP_RATE readings/s (default 60,000),
// after BENCH_UDP_WARM readings (default N/4) at the same rate that are not timed: a gateway runs
// for months, so the figure is its steady cost per reading, not its first seconds (V8 compiling
// the path, the heap growing to its working size), which the warm-up figure shows apart.
// BENCH_CPU_PROF=<dir> runs the gateway under `node --cpu-prof` and leaves the profile there.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { callControl } from '../src/control/client';
import type { GatewayStatus } from '../src/control/protocol';
import { bareNodeRssMb, frame, idleRssMb, mainThreadCpuUs, nodeScript, procCpuUs, procRssMb, pushData, serviceNodeOptions, SETTLE_S, startGateway, until } from './gateway-child';
import { rawBaseline } from './pipeline';

const N = Number(process.env.BENCH_UDP_N ?? 200_000);
const RATE = Number(process.env.BENCH_UDP_RATE ?? 60_000);
const WARM = Number(process.env.BENCH_UDP_WARM ?? Math.round(N / 4));
const PER_DATAGRAM = 8;
/** DevAddrs of the untimed readings (topics lora/25xxxxxx, which the subscriber skips); timed ones are 0x26xxxxxx. */
const WARM_DEVADDR = 0x25000000;
const TIMED_DEVADDR = 0x26000000;

interface SubResult { received: number; seconds: number; perSecond: number; p50us: number; p99us: number }

function startSubscriber(endpoint: string, count: number) {
  const proc = spawn(process.execPath, [...nodeScript('bench/udp-subscriber'), endpoint, String(count), '3000', `lora/${(WARM_DEVADDR >>> 24).toString(16)}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let ready!: () => void;
  let warm!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const warmP = new Promise<void>((r) => (warm = r));
  const result = new Promise<SubResult>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const o = JSON.parse(l);
      if (o.ready) ready();
      else if (o.warm) warm();
      else resolve(o);
    });
    proc.once('exit', (code) => code !== 0 && reject(new Error(`subscriber exited ${code}`)));
  });
  return { proc, readyP, warmP, result };
}

/** `count` readings from 256 devices counting up, PER_DATAGRAM to a PUSH_DATA. */
function datagramsOf(firstDevAddr: number, count: number, token: () => number): Buffer[] {
  const datagrams: Buffer[] = [];
  const fcnt = new Map<number, number>();
  for (let i = 0; i < count; i += PER_DATAGRAM) {
    const frames: Buffer[] = [];
    for (let j = i; j < Math.min(count, i + PER_DATAGRAM); j++) {
      const dev = firstDevAddr + (j % 256);
      const c = fcnt.get(dev) ?? 0;
      fcnt.set(dev, c + 1);
      frames.push(frame(dev, c));
    }
    datagrams.push(pushData(token(), frames));
  }
  return datagrams;
}

/** Send the datagrams at RATE readings/s in 5 ms ticks; resolves with the seconds it took. */
async function offer(sock: dgram.Socket, datagrams: Buffer[]): Promise<number> {
  const t0 = performance.now();
  const perTick = Math.max(1, Math.round((RATE / PER_DATAGRAM) * 0.005));
  let next = 0;
  while (next < datagrams.length) {
    const due = Math.min(datagrams.length, Math.floor(((performance.now() - t0) / 5 + 1) * perTick));
    while (next < due) sock.send(datagrams[next++]);
    await new Promise((r) => setTimeout(r, 5));
  }
  return (performance.now() - t0) / 1000;
}

/** Wait (bounded) until the gateway has taken `total` readings and handed every one to XPUB. */
async function caughtUp(control: string, total: number): Promise<void> {
  let last = -1;
  await until('the warm-up readings', async () => {
    const s = (await callControl(control, 'status', {}, 2000)) as GatewayStatus;
    const idle = s.sinks.find((k) => k.name === 'publish')?.backlog.messages === 0;
    // Datagrams the kernel dropped never arrive: done too once a poll saw no progress.
    const done = idle && (s.readings.total >= total || s.readings.total === last);
    last = s.readings.total;
    return done ? true : undefined;
  });
}

async function throughGateway(dir: string) {
  const endpoint = `ipc://${join(dir, 'gw-pub.sock')}`;
  const gw = await startGateway(dir, endpoint);
  const pid = gw.proc.pid!;
  try {
    // Idle: started, nothing heard yet (at start-up and settled).
    const idle = await idleRssMb(pid);
    const sub = startSubscriber(endpoint, N);
    await sub.readyP;
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.connect(gw.port, '127.0.0.1', r));
    sock.on('message', () => undefined); // PUSH_ACKs
    let token = 0;
    // Warm-up until the subscription is live, so the timed part loses nothing to a slow joiner.
    let warm = false;
    void sub.warmP.then(() => (warm = true));
    for (let i = 0; !warm; i++) {
      sock.send(pushData(token++ & 0xffff, [frame(0xffffffff, i)]));
      await new Promise((r) => setTimeout(r, 10));
    }
    // Build every datagram up front: the bench's own work stays out of the timed loop.
    const warmUp = datagramsOf(WARM_DEVADDR, WARM, () => token++ & 0xffff);
    const timed = datagramsOf(TIMED_DEVADDR, N, () => token++ & 0xffff);
    const before = (await callControl(gw.control, 'status', {}, 5000)) as GatewayStatus;
    const warmCpu0 = procCpuUs(pid);
    await offer(sock, warmUp);
    await caughtUp(gw.control, before.readings.total + WARM);
    const warmUpCpuUs = procCpuUs(pid) - warmCpu0;
    const cpu0 = procCpuUs(pid);
    const main0 = mainThreadCpuUs(pid);
    const sendS = await offer(sock, timed);
    const res = await sub.result;
    // The subscriber stops after 3 s of silence when readings were lost; the gateway idles then.
    const cpuUs = procCpuUs(pid) - cpu0;
    const mainUs = mainThreadCpuUs(pid) - main0;
    const peakRssMb = procRssMb(pid, 'VmHWM');
    const status = (await callControl(gw.control, 'status', {}, 5000)) as GatewayStatus;
    sock.close();
    return {
      ...res,
      idle,
      peakRssMb,
      cpuUsPerReading: cpuUs / Math.max(1, res.received),
      mainUsPerReading: mainUs / Math.max(1, res.received),
      warmUpUsPerReading: warmUpCpuUs / Math.max(1, WARM),
      offeredPerS: N / sendS,
      status,
    };
  } finally {
    gw.proc.kill('SIGTERM');
    await new Promise((r) => gw.proc.once('exit', r));
  }
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-bench-udp-'));
  try {
    const raw = await rawBaseline(dir);
    const bare = await bareNodeRssMb();
    const gw = await throughGateway(dir);
    const f = (n: number) => Math.round(n).toLocaleString('en');
    const udp = gw.status.adapters.find((a) => a.name === 'udp0');
    console.log(`\nudp bench: ${f(N)} readings timed after ${f(WARM)} untimed, in Semtech PUSH_DATA of ${PER_DATAGRAM} rxpk, offered at ${f(gw.offeredPerS)}/s -> lowband run -> XPUB (ipc) -> subscriber process; gateway NODE_OPTIONS "${serviceNodeOptions()}" (systemd/lowband.service)`);
    console.log(`  raw zeromq.js PUB->SUB    ${f(raw.perSecond).padStart(9)} msg/s   p50 ${f(raw.p50us)} us   p99 ${f(raw.p99us)} us`);
    console.log(`  lowband run UDP -> XPUB   ${f(gw.perSecond).padStart(9)} readings/s   p50 ${f(gw.p50us)} us   p99 ${f(gw.p99us)} us   received ${f(gw.received)} (${(100 * (1 - gw.received / N)).toFixed(1)} % lost before the gateway)`);
    console.log(`  ratio gateway/raw         ${(gw.perSecond / raw.perSecond).toFixed(2)}`);
    console.log(`  gateway CPU per reading   ${gw.cpuUsPerReading.toFixed(1)} us (user+system, whole process; main thread ${gw.mainUsPerReading.toFixed(1)} us)   raw zeromq.js ${raw.cpuUsPerMsg.toFixed(1)} us per message   ratio ${(gw.cpuUsPerReading / raw.cpuUsPerMsg).toFixed(2)}`);
    console.log(`  ${`warm-up, first ${f(WARM)}`.padEnd(26)}${gw.warmUpUsPerReading.toFixed(1)} us per reading (before the timed part, not in it: V8 compiling the path, the heap growing)`);
    console.log(`  gateway idle RSS          ${gw.idle.settled.toFixed(1)} MB settled (${SETTLE_S} s), ${gw.idle.startup.toFixed(1)} MB at start-up   bare node ${bare.settled.toFixed(1)} / ${bare.startup.toFixed(1)} MB   ratio ${(gw.idle.settled / bare.settled).toFixed(2)}`);
    console.log(`  gateway peak RSS          ${gw.peakRssMb.toFixed(1)} MB   udp drops ${JSON.stringify(udp?.drops ?? {})}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
