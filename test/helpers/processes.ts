import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cliArgs, REPO } from './paths';

/** Wait for `cond` with an overall deadline; polls are triggered by events, this is the safety net. */
export async function until<T>(what: string, cond: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A `lowband` child process whose JSON log lines are collected. */
export class LowbandProcess {
  readonly proc: ChildProcess;
  readonly logs: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, cliArgs(...args), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line));
      } catch {
        this.logs.push({ msg: line, unparsed: true });
      }
      this.wake();
    });
    createInterface({ input: this.proc.stderr! }).on('line', (line) => {
      this.stderr.push(line);
      this.wake();
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolve with the first log line matching, waiting for new lines (no polling). */
  waitForLog(match: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line in ${timeoutMs} ms; last: ${JSON.stringify(this.logs.slice(-5))} ${this.stderr.slice(-5).join('\n')}`)), timeoutMs);
      const check = () => {
        const hit = this.logs.find(match);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Resolve once `cond()` holds, re-checked on every output line (stdout or stderr). */
  waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr.slice(-5).join('\n')}`)), timeoutMs);
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  waitForMsg(msg: string | RegExp, timeoutMs?: number) {
    return this.waitForLog((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))), timeoutMs);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
  }
}

/** Start the Python (pyzmq + cbor2) subscriber; resolves its parsed output lines when it exits. */
export function pythonSubscriber(endpoint: string, count: number, extra: string[] = []) {
  const proc = spawn('/usr/bin/python3', [join(REPO, 'test', 'py', 'subscriber.py'), endpoint, String(count), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let readyResolve: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  createInterface({ input: proc.stdout }).on('line', (l) => {
    const o = JSON.parse(l);
    if (o.ready) readyResolve();
    else lines.push(o);
  });
  proc.stderr.on('data', (d) => (err += d));
  const done = new Promise<Record<string, unknown>[]>((resolve, reject) =>
    proc.once('exit', (code) => (code === 0 ? resolve(lines) : reject(new Error(`subscriber exit ${code}: ${err} ${JSON.stringify(lines.slice(-2))}`)))),
  );
  return {
    proc, ready, done, lines,
    /** Stop it; its exit is then expected, not a failure. */
    kill: () => {
      done.catch(() => undefined);
      proc.kill('SIGKILL');
    },
  };
}
