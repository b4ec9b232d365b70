/** Test fixtures: a real mosquitto broker on a free port, a tiny mqtt-packet subscriber, test certificates. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generate, parser as mqttParser, type IPublishPacket, type Packet } from 'mqtt-packet';

/** Waits for `cond` (checked every 20 ms) or throws after `timeoutMs`. */
export async function until(cond: () => boolean, what: string | (() => string), timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A port that was free a moment ago (mosquitto needs a concrete one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** TLS listener material for mosquitto. */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** A mosquitto process with persistence in its own temp dir; restartable on the same ports. */
export class Mosquitto {
  private proc: ChildProcess | undefined;
  stderr = '';
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly tlsPort: number | undefined,
    readonly mtlsPort: number | undefined,
    private readonly conf: string,
  ) {}

  static async start(opts: { tls?: TlsFiles } = {}): Promise<Mosquitto> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lowband-mosq-'));
    const port = await freePort();
    const tlsPort = opts.tls ? await freePort() : undefined;
    // A second TLS listener that requires a client certificate signed by the same CA.
    const mtlsPort = opts.tls ? await freePort() : undefined;
    const lines = [
      // Running as root mosquitto drops to user "mosquitto", which cannot write our temp dir.
      `user ${os.userInfo().username}`,
      'per_listener_settings false',
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'max_queued_messages 100000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      `listener ${port} 127.0.0.1`,
    ];
    if (opts.tls && tlsPort) {
      lines.push(`listener ${tlsPort} 127.0.0.1`, `cafile ${opts.tls.ca}`, `certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`);
      lines.push(`listener ${mtlsPort} 127.0.0.1`, `cafile ${opts.tls.ca}`, `certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`, 'require_certificate true');
    }
    const conf = path.join(dir, 'mosquitto.conf');
    await writeFile(conf, lines.join('\n') + '\n');
    const m = new Mosquitto(dir, port, tlsPort, mtlsPort, conf);
    await m.run();
    return m;
  }

  /** Starts the process and waits until it accepts TCP connections. */
  async run(): Promise<void> {
    const proc = spawn('/usr/sbin/mosquitto', ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let exited = false;
    proc.on('exit', () => (exited = true));
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const started = this.stderr.length;
    await until(() => exited || /running/.test(this.stderr.slice(started)), () => `mosquitto to start: ${this.stderr}`);
    if (exited) throw new Error(`mosquitto exited: ${this.stderr}`);
    // "running" is logged after the listeners are open, but confirm.
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(this.port, '127.0.0.1', () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
  }

  /** Graceful stop (SIGTERM saves the persistence file). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A minimal QoS 1 subscriber over mqtt-packet, collecting what it receives. */
export class TestSubscriber {
  readonly messages: IPublishPacket[] = [];
  private socket: net.Socket | undefined;
  private connackResolve: ((sessionPresent: boolean) => void) | undefined;
  private subackResolve: (() => void) | undefined;

  constructor(
    private readonly port: number,
    private readonly clientId: string,
    private readonly opts: { clean?: boolean; protocolVersion?: 4 | 5 } = {},
  ) {}

  /** Connects (and subscribes to `topics` with QoS 1); resolves with CONNACK's sessionPresent. */
  async connect(topics: string[]): Promise<boolean> {
    const pv = this.opts.protocolVersion ?? 4;
    const socket = net.connect(this.port, '127.0.0.1');
    this.socket = socket;
    const parser = mqttParser({ protocolVersion: pv });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', () => {});
    parser.on('packet', (p: Packet) => {
      if (p.cmd === 'connack') this.connackResolve?.(p.sessionPresent);
      else if (p.cmd === 'suback') this.subackResolve?.();
      else if (p.cmd === 'publish') {
        this.messages.push(p);
        if (p.qos === 1) socket.write(generate({ cmd: 'puback', messageId: p.messageId }, { protocolVersion: pv }));
      }
    });
    const connack = new Promise<boolean>((r) => (this.connackResolve = r));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(
      generate(
        {
          cmd: 'connect', protocolId: 'MQTT', protocolVersion: pv, clientId: this.clientId, clean: this.opts.clean ?? true, keepalive: 60,
          ...(pv === 5 && this.opts.clean === false ? { properties: { sessionExpiryInterval: 3600 } } : {}),
        },
        { protocolVersion: pv },
      ),
    );
    const sessionPresent = await connack;
    if (topics.length) {
      const suback = new Promise<void>((r) => (this.subackResolve = r));
      socket.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: topics.map((topic) => ({ topic, qos: 1 })) }, { protocolVersion: pv }));
      await suback;
    }
    return sessionPresent;
  }

  /** Payloads on one topic, as text. */
  on(topic: string): string[] {
    return this.messages.filter((m) => m.topic === topic).map((m) => m.payload.toString());
  }

  async close(): Promise<void> {
    const s = this.socket;
    if (!s || s.destroyed) return;
    const closed = new Promise((r) => s.once('close', r));
    s.end(generate({ cmd: 'disconnect' }));
    setTimeout(() => s.destroy(), 500).unref();
    await closed;
  }
}

/** A CA and a server certificate for 127.0.0.1/localhost, made with openssl (EC P-256). */
export async function makeCerts(dir: string, name = 'ca'): Promise<TlsFiles> {
  const f = (n: string) => path.join(dir, n);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=lowband test ${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`));
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
    '-keyout', f(`${name}-server.key`), '-out', f(`${name}-server.csr`));
  await writeFile(f(`${name}-ext.cnf`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', f(`${name}-server.csr`), '-CA', f(`${name}.crt`), '-CAkey', f(`${name}.key`), '-CAcreateserial',
    '-days', '2', '-extfile', f(`${name}-ext.cnf`), '-out', f(`${name}-server.crt`));
  return { ca: f(`${name}.crt`), cert: f(`${name}-server.crt`), key: f(`${name}-server.key`) };
}


/** A client certificate signed by the CA that makeCerts(dir, caName) created. */
export function makeClientCert(dir: string, caName = 'ca'): { cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=lowband-gateway',
    '-keyout', f('client.key'), '-out', f('client.csr'));
  run('x509', '-req', '-in', f('client.csr'), '-CA', f(`${caName}.crt`), '-CAkey', f(`${caName}.key`), '-CAcreateserial', '-days', '2', '-out', f('client.crt'));
  return { cert: f('client.crt'), key: f('client.key') };
}
