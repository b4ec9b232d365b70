import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../util/log';
import { BadRequest, HANDLERS } from './handlers';
import type { ControlHandler, ControlRequest, ControlResponse, GatewayServices } from './protocol';

/** Limits that keep a misbehaving local client from hurting the gateway. */
export interface ControlLimits {
  /** Longest request line in bytes; longer gets an error and the connection is closed. */
  maxLineBytes: number;
  /** Simultaneous connections; extra ones get an error line and are closed. */
  maxConnections: number;
  /** A connection with no complete request for this long is closed. */
  idleMs: number;
  /** Requests waiting on one connection (pipelined lines) before it is closed. */
  maxPending: number;
}

/** Defaults sized for a handful of CLI users on a Pi. */
export const DEFAULT_CONTROL_LIMITS: ControlLimits = {
  maxLineBytes: 64 * 1024,
  maxConnections: 16,
  idleMs: 5 * 60_000,
  maxPending: 32,
};

/** File mode of the socket: owner and the service group may connect, nobody else. */
const SOCKET_MODE = 0o660;

/**
 * The local control API: newline-delimited JSON on a unix socket, never a network listener.
 * Requests on one connection are answered in order; a bad request gets an error line, never a crash.
 */
export class ControlServer {
  private server?: Server;
  private readonly conns = new Set<Socket>();
  /** Connections past the limit, being told so; tracked only so stop() can close them. */
  private readonly refused = new Set<Socket>();
  private readonly limits: ControlLimits;

  constructor(
    readonly path: string,
    private readonly services: GatewayServices,
    private readonly logger: Logger,
    limits: Partial<ControlLimits> = {},
    private readonly handlers: Readonly<Record<string, ControlHandler>> = HANDLERS,
  ) {
    this.limits = { ...DEFAULT_CONTROL_LIMITS, ...limits };
    // A relative path or a host:port would turn this into something else than a local socket.
    if (!path.startsWith('/')) throw new Error(`control.socket must be an absolute path, got "${path}"`);
  }

  /** Creates the parent directory, clears a stale socket file and listens (mode 0660). */
  async start(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o750 });
    await this.clearStale();
    const server = createServer((s) => this.accept(s));
    // The umask closes the window between bind() and chmod() where the socket would be world-usable.
    const oldMask = process.umask(0o117);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    chmodSync(this.path, SOCKET_MODE);
    server.on('error', (err) => this.logger.error({ err: err.message }, 'control socket error'));
    this.server = server;
    this.logger.info({ socket: this.path }, 'control socket listening');
  }

  /** Stops listening, closes client connections and removes the socket file. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const c of [...this.conns, ...this.refused]) c.destroy();
    this.conns.clear();
    this.refused.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // net.Server removes its own socket file on close; this covers a crash-restarted handle.
    try {
      if (lstatSync(this.path).isSocket()) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }

  /** Number of open client connections (for tests and status). */
  get connections(): number {
    return this.conns.size;
  }

  private async clearStale(): Promise<void> {
    let st;
    try {
      st = lstatSync(this.path);
    } catch {
      return;
    }
    if (!st.isSocket()) {
      throw new Error(`${this.path} exists and is not a socket; refusing to replace it`);
    }
    const alive = await new Promise<boolean>((resolve) => {
      const c = createConnection(this.path);
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (alive) throw new Error(`another lowband is already answering on ${this.path}`);
    unlinkSync(this.path);
  }

  private accept(sock: Socket): void {
    sock.on('error', () => undefined); // a client vanishing mid-reply is its own business
    if (this.conns.size >= this.limits.maxConnections) {
      this.refused.add(sock);
      sock.on('close', () => this.refused.delete(sock));
      sock.end(JSON.stringify({ ok: false, error: 'too many control connections' }) + '\n');
      return;
    }
    this.conns.add(sock);
    sock.setEncoding('utf8');
    sock.setTimeout(this.limits.idleMs, () => sock.destroy());
    let buf = '';
    let chain: Promise<void> = Promise.resolve();
    let pending = 0;
    const reply = (r: ControlResponse): void => {
      if (!sock.destroyed) sock.write(JSON.stringify(r) + '\n');
    };
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() === '') continue;
        if (Buffer.byteLength(line) > this.limits.maxLineBytes) {
          reply({ ok: false, error: `request longer than ${this.limits.maxLineBytes} bytes` });
          sock.end();
          buf = '';
          return;
        }
        if (++pending > this.limits.maxPending) {
          reply({ ok: false, error: 'too many pipelined requests' });
          sock.destroy();
          return;
        }
        chain = chain.then(async () => {
          reply(await this.handle(line));
          pending--;
        });
      }
      if (Buffer.byteLength(buf) > this.limits.maxLineBytes) {
        reply({ ok: false, error: `request longer than ${this.limits.maxLineBytes} bytes` });
        sock.end();
        buf = '';
      }
    });
    sock.on('close', () => this.conns.delete(sock));
  }

  /** Parses and answers one request line; never throws. */
  private async handle(line: string): Promise<ControlResponse> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
    } catch {
      return { ok: false, error: 'request is not valid JSON' };
    }
    if (req === null || typeof req !== 'object' || Array.isArray(req)) {
      return { ok: false, error: 'request must be a JSON object {"id","cmd","args"}' };
    }
    const id = typeof req.id === 'number' && Number.isFinite(req.id) ? req.id : undefined;
    if (typeof req.cmd !== 'string') return { id, ok: false, error: 'request has no "cmd"' };
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, req.cmd) ? this.handlers[req.cmd] : undefined;
    if (!handler) {
      return { id, ok: false, error: `unknown command "${req.cmd.slice(0, 40)}" (known: ${Object.keys(this.handlers).join(', ')})` };
    }
    const args = req.args ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return { id, ok: false, error: '"args" must be a JSON object' };
    }
    try {
      const result = await handler(args, this.services);
      return { id, ok: true, result: result ?? null };
    } catch (err) {
      if (err instanceof BadRequest) return { id, ok: false, error: err.message };
      // Internal failures are logged here with the command only: args may carry a bindkey.
      this.logger.error({ cmd: req.cmd, err: (err as Error).message }, 'control command failed');
      return { id, ok: false, error: `${req.cmd} failed: ${(err as Error).message}` };
    }
  }
}
