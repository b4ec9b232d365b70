import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Debian package's binary (`apt-get install nats-server` puts it in /usr/sbin; .ci/run installs it). */
export const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';

// The same helper the mosquitto tests use: a port the kernel picked a moment ago.
export { freePort } from '../sinks/mqtt/mosquitto';
import { freePort } from '../sinks/mqtt/mosquitto';

/** How to run one nats-server. */
export interface NatsServerOptions {
  /** JetStream store directory (`-sd`); kept across restarts of the same server. */
  storeDir: string;
  port?: number;
  /** Server name (`-n`); a cluster needs distinct ones. */
  name?: string;
  /** Cluster: this node's route port and every node's route URL. */
  cluster?: { name: string; port: number; routes: string[] };
  /** Extra config file text (authorization, accounts, TLS); written next to the store. */
  config?: string;
}

/**
 * A real nats-server child process with JetStream on loopback. `start` resolves once the server
 * says it is ready; `stop`/`kill` end it and wait for the exit. Tests end it in t.after.
 */
export class NatsServer {
  proc: ChildProcess | undefined;
  port = 0;
  readonly output: string[] = [];
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly opts: NatsServerOptions) {
    this.port = opts.port ?? 0;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    if (this.proc) throw new Error('nats-server already running');
    mkdirSync(this.opts.storeDir, { recursive: true });
    // Without a port of its own the server picks one (-1) and says which: no window for another
    // process to take it between our pick and its bind. A restart reuses the port it got.
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port || -1), '-sd', this.opts.storeDir];
    if (this.opts.name) args.push('-n', this.opts.name);
    if (this.opts.config !== undefined) {
      const file = join(this.opts.storeDir, `${this.opts.name ?? 'nats'}.conf`);
      writeFileSync(file, this.opts.config);
      args.push('-c', file);
    }
    const c = this.opts.cluster;
    if (c) args.push('--cluster_name', c.name, '--cluster', `nats://127.0.0.1:${c.port}`, '--routes', c.routes.join(','));
    const proc = spawn(NATS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((resolve) => {
      proc.once('exit', () => resolve());
      proc.once('error', () => resolve());
    });
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server not ready in ${timeoutMs} ms: ${this.output.slice(-5).join('\n')}`)), timeoutMs);
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`nats-server did not start: ${err.message}`));
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited (${code}): ${this.output.slice(-5).join('\n')}`));
      });
      proc.stderr!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          if (this.output.length < 2000) this.output.push(l);
          const listening = /Listening for client connections on [^\s]*:(\d+)/.exec(l);
          if (listening && !this.port) this.port = Number(listening[1]);
          if (l.includes('Server is ready')) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
    });
  }

  /** Ends the server with `signal` (SIGKILL: as a crash) and waits for it to be gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p) return;
    if (p.exitCode === null && p.signalCode === null) p.kill(signal);
    await this.exited;
    this.proc = undefined;
  }
}

/** Three JetStream nodes routed to each other on loopback. */
export async function startCluster(dir: (i: number) => string, size = 3): Promise<NatsServer[]> {
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`);
  const nodes = routePorts.map(
    (p, i) => new NatsServer({ storeDir: dir(i), name: `n${i}`, cluster: { name: 'lowband-test', port: p, routes } }),
  );
  await Promise.all(nodes.map((n) => n.start()));
  return nodes;
}
