import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** A port nothing listens on (bound, then closed): Chromium's proxy, so no request can leave. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Headless, and nothing can leave the machine: every name but loopback unresolvable, a dead proxy. */
async function isolatedArgs(profile: string): Promise<string[]> {
  return [
    '--headless', '--no-sandbox', '--disable-gpu',
    `--user-data-dir=${profile}`,
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    `--proxy-server=http://127.0.0.1:${await closedPort()}`,
    '--disable-background-networking', '--disable-component-update', '--no-first-run',
    '--no-default-browser-check', '--disable-sync', '--disable-extensions', '--mute-audio',
  ];
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/**
 * Headless Chromium driven through the DevTools protocol on a pipe (`--remote-debugging-pipe`:
 * NUL-separated JSON on fds 3 and 4), started so that nothing can leave the machine
 * (FIELD-NOTES "Browsers and metrics in tests").
 */
export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners: ((m: CdpMessage) => void)[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<void>;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly profile: string,
  ) {
    const input = proc.stdio[3] as Writable;
    const output = proc.stdio[4] as Readable;
    input.on('error', () => undefined);
    let buf = '';
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\0')) >= 0) {
        const msg = JSON.parse(buf.slice(0, i)) as CdpMessage;
        buf = buf.slice(i + 1);
        this.dispatch(msg);
      }
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => this.stderr.push(d));
    this.exited = new Promise((r) => proc.once('exit', () => r()));
    void this.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited during ${p.method}: ${this.stderr.join('').slice(-500)}`));
      this.pending.clear();
    });
  }

  static async launch(opts: { width?: number; height?: number } = {}): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), 'lowband-chromium-'));
    const args = [
      ...(await isolatedArgs(profile)), '--remote-debugging-pipe',
      `--window-size=${opts.width ?? 1280},${opts.height ?? 900}`,
      'about:blank',
    ];
    const proc = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    return new Chromium(proc, profile);
  }

  /** `chromium --headless --dump-dom URL`: the DOM after the load event, as a plain tool sees it. */
  static async dumpDom(url: string): Promise<string> {
    const profile = mkdtempSync(join(tmpdir(), 'lowband-chromium-'));
    try {
      const r = spawnSync(CHROMIUM, [...(await isolatedArgs(profile)), '--dump-dom', url], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`chromium --dump-dom: exit ${r.status} ${r.signal ?? ''} ${r.stderr.slice(-500)}`);
      return r.stdout;
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  }

  private dispatch(msg: CdpMessage): void {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result ?? {});
      return;
    }
    for (const l of this.listeners) l(msg);
  }

  /** One protocol command; rejects after `timeoutMs` so no test waits forever on a browser. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const input = this.proc.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from chromium in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      input.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  /** Hears every event (messages without an id). */
  onEvent(fn: (m: CdpMessage) => void): void {
    this.listeners.push(fn);
  }

  /** A new tab attached in flat mode; returns its session. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    return new Page(this, sessionId as string);
  }

  async close(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.send('Browser.close', {}, undefined, 5000).catch(() => undefined);
      const killer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(killer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** One tab: evaluate, wait for a condition, take screenshots. */
export class Page {
  /** Console errors, uncaught exceptions and browser log errors (CSP violations land here). */
  readonly errors: string[] = [];
  /** Every URL the page requested. */
  readonly requests: string[] = [];

  constructor(
    private readonly browser: Chromium,
    readonly sessionId: string,
  ) {
    browser.onEvent((m) => {
      if (m.sessionId !== sessionId) return;
      const p = m.params ?? {};
      if (m.method === 'Network.requestWillBeSent') this.requests.push(String((p.request as { url: string }).url));
      if (m.method === 'Runtime.exceptionThrown') this.errors.push(JSON.stringify(p.exceptionDetails).slice(0, 500));
      if (m.method === 'Runtime.consoleAPICalled' && p.type === 'error') this.errors.push(JSON.stringify(p.args).slice(0, 500));
      if (m.method === 'Log.entryAdded' && (p.entry as { level: string }).level === 'error') this.errors.push(String((p.entry as { text: string }).text));
    });
  }

  send(method: string, params: Record<string, unknown> = {}) {
    return this.browser.send(method, params, this.sessionId);
  }

  async open(url: string): Promise<void> {
    for (const domain of ['Page', 'Runtime', 'Log', 'Network']) await this.send(`${domain}.enable`);
    await this.send('Page.navigate', { url });
  }

  /** The value of `expression` evaluated in the page (promises awaited). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`evaluate ${expression}: ${JSON.stringify(r.exceptionDetails).slice(0, 300)}`);
    return (r.result as { value: T }).value;
  }

  /** Waits until `expression` is truthy in the page; returns its value. */
  async waitFor<T>(what: string, expression: string, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.evaluate<T>(expression).catch(() => undefined);
      if (v) return v;
      if (Date.now() > end) throw new Error(`page: timed out waiting for ${what}; errors: ${this.errors.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Viewport size (CSS pixels); `mobile` also gives touch-style layout. */
  async viewport(width: number, height: number, mobile = false): Promise<void> {
    await this.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile });
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Buffer> {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    return Buffer.from(data as string, 'base64');
  }
}
