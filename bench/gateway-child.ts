// The gateway as a child process for the benches that drive it from outside (udp, steady):
// start `lowband run` the way the service does, send it Semtech datagrams, read its CPU and RSS
// from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callControl } from '../src/control/client';
import type { GatewayStatus } from '../src/control/protocol';

const CLK_TCK = 100; // Linux USER_HZ

export const isTs = __filename.endsWith('.ts');

/**
 * The Node options systemd/lowband.service gives the gateway (its `Environment=NODE_OPTIONS=`
 * line), so the benches measure the gateway as the service runs it. BENCH_NODE_OPTIONS
 * overrides them (`BENCH_NODE_OPTIONS= npm run bench` measures without).
 */
export function serviceNodeOptions(): string {
  if (process.env.BENCH_NODE_OPTIONS !== undefined) return process.env.BENCH_NODE_OPTIONS;
  const unit = readFileSync(join(__dirname, '..', isTs ? '' : '..', 'systemd', 'lowband.service'), 'utf8');
  // Environment=NODE_OPTIONS=x or, with spaces in the value, Environment="NODE_OPTIONS=x y".
  const m = /^Environment=("?)NODE_OPTIONS=(.*)\1$/m.exec(unit);
  return m?.[2].trim() ?? '';
}

/** The environment of a process measured as the service would run it. */
export function serviceEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: serviceNodeOptions() };
}

export const nodeScript = (rel: string) => (isTs ? ['--import', 'tsx', join(__dirname, '..', `${rel}.ts`)] : [join(__dirname, '..', `${rel}.js`)]);

/** utime + stime (µs) of a /proc stat file: fields 14 and 15, counted after the parenthesised name. */
function statCpuUs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) / CLK_TCK) * 1e6;
}

/** CPU of the whole process (libzmq's I/O thread included). */
export function procCpuUs(pid: number): number {
  return statCpuUs(`/proc/${pid}/stat`);
}

/** CPU of the process's main (JavaScript) thread alone. */
export function mainThreadCpuUs(pid: number): number {
  return statCpuUs(`/proc/${pid}/task/${pid}/stat`);
}

export function procRssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A LoRaWAN uplink of an unconfigured device: parsed, keyed, forwarded, no MIC work. */
export function frame(devaddr: number, fcnt: number): Buffer {
  const b = Buffer.alloc(17);
  b[0] = 0x40;
  b.writeUInt32LE(devaddr, 1);
  b[5] = 0;
  b.writeUInt16LE(fcnt & 0xffff, 6);
  b[8] = 1;
  b.writeUInt32BE((devaddr * 2654435761 + fcnt) >>> 0, 9);
  b.writeUInt32BE((fcnt * 40503 + devaddr) >>> 0, 13);
  return b;
}

export function pushData(token: number, frames: Buffer[]): Buffer {
  const rxpk = frames.map((p) => ({
    tmst: 1000 + token, chan: 0, rfch: 0, freq: 868.1, stat: 1, modu: 'LORA', datr: 'SF7BW125', codr: '4/5', rssi: -50, lsnr: 7.5, size: p.length, data: p.toString('base64'),
  }));
  const head = Buffer.from([2, (token >> 8) & 0xff, token & 0xff, 0, 0xaa, 0x55, 0, 0, 0, 0, 0, 1]);
  return Buffer.concat([head, Buffer.from(JSON.stringify({ rxpk }))]);
}

export async function until<T>(what: string, cond: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The gateway under test; resolves once its control socket answers. */
export async function startGateway(dir: string, endpoint: string, upstream: object = {}): Promise<{ proc: ChildProcess; control: string; port: number }> {
  const control = join(dir, 'control.sock');
  const cfgPath = join(dir, 'lowband.yaml');
  writeFileSync(cfgPath, JSON.stringify({
    gateway: { id: 'bench-gw' },
    state_dir: join(dir, 'state'),
    ble: { enabled: false },
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    upstream: { publish: { bind: [endpoint], hwm: 100_000, queue_messages: 100_000 }, ...upstream },
    control: { socket: control },
    stats: { interval_s: 0 },
    log: { level: 'warn' },
  }));
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const proc = spawn(process.execPath, [...prof, ...nodeScript('src/cli/main'), 'run', '--config', cfgPath], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: serviceEnv(),
  });
  const port = await until('the gateway', async () => {
    const s = (await callControl(control, 'status', {}, 2000)) as GatewayStatus;
    const m = /listening on .*:(\d+)$/.exec(s.adapters.find((a) => a.name === 'udp0')?.detail ?? '');
    return m ? Number(m[1]) : undefined;
  });
  return { proc, control, port };
}


/** Seconds a quiet process is given before its idle RSS is read: V8's memory reducer has run by then. */
export const SETTLE_S = 15;

/**
 * RSS of a started process that stays idle: read at start-up (1.5 s, start-up garbage still
 * there) and settled (after SETTLE_S, when V8's memory reducer has given the start-up heap
 * back, as on a gateway that has been up for a while).
 */
export async function idleRssMb(pid: number): Promise<{ startup: number; settled: number }> {
  await new Promise((r) => setTimeout(r, 1500));
  const startup = procRssMb(pid, 'VmRSS');
  await new Promise((r) => setTimeout(r, SETTLE_S * 1000 - 1500));
  return { startup, settled: procRssMb(pid, 'VmRSS') };
}

/** The baseline of every RSS figure: a bare Node process that does nothing, measured the same way. */
export async function bareNodeRssMb(): Promise<{ startup: number; settled: number }> {
  const proc = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', env: serviceEnv() });
  try {
    return await idleRssMb(proc.pid!);
  } finally {
    proc.kill('SIGTERM');
  }
}
