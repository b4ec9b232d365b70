import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../util/log';
import { DropCounter } from '../util/drop-counter';
import { closeWith, ControlConnection, type ConnectionHost, type ConnectionLimits } from './connection';
import { BadRequest, HANDLERS } from './handlers';
import { MAX_SCAN_SECONDS } from './handlers/scan';
import type { ControlHandler, ControlRequest, ControlResponse, ControlStatus, GatewayServices } from './protocol';

/** Limits that keep a misbehaving local client from hurting the gateway or locking others out. */
export interface ControlLimits extends ConnectionLimits {
  /** Longest request line in bytes; longer gets an error and the connection is closed. */
  maxLineBytes: number;
  /** Simultaneous connections. When all are taken, the longest-idle one is closed to make room;
   *  only when all are busy answering is a newcomer refused. */
  maxConnections: number;
  /** Time to deliver a complete request line, from connect or the previous reply; absolute,
   *  so a client trickling one byte a second is cut off like a silent one. */
  requestMs: number;
  /** Absolute lifetime of a connection; covers the longest request (`scan`, 120 s). */
  connectionMs: number;
  /** Requests waiting on one connection (pipelined lines) before it is closed. */
  maxPending: number;
  /** Sustained requests per second per connection, and the burst allowed above it. */
  ratePerSecond: number;
  rateBurst: number;
  /** Largest reply line; longer lists are trimmed (and the reply says so), else an error. */
  maxReplyBytes: number;
  /** A reply not taken by the client within this long drops the client. */
  writeStallMs: number;
}

/** Defaults sized for a handful of CLI users on a Pi. */
export const DEFAULT_CONTROL_LIMITS: ControlLimits = {
  maxLineBytes: 64 * 1024,
  maxConnections: 16,
  requestMs: 10_000,
  connectionMs: (MAX_SCAN_SECONDS + 30) * 1000,
  maxPending: 32,
  ratePerSecond: 10,
  rateBurst: 32,
  maxReplyBytes: 64 * 1024,
  writeStallMs: 10_000,
};

/** File mode of the socket: owner and the service group may connect, nobody else. */
const SOCKET_MODE = 0o660;

/**
 * The local control API: newline-delimited JSON on a unix socket, never a network listener.
 * Requests on one connection are answered in order; a bad request gets an error line, never a crash.
 */
export class ControlServer {
  private server?: Server;
  private readonly conns = new Set<ControlConnection>();
  /** Connections past the limit, being told so; tracked only so stop() can close them. */
  private readonly refused = new Set<Socket>();
  private readonly limits: ControlLimits;
  private readonly drops = new DropCounter();
  private trimmedReplies = 0;
  private readonly host: ConnectionHost;

  constructor(
    readonly path: string,
    private readonly services: GatewayServices,
    private readonly logger: Logger,
    limits: Partial<ControlLimits> = {},
    private readonly handlers: Readonly<Record<string, ControlHandler>> = HANDLERS,
  ) {
    this.limits = { ...DEFAULT_CONTROL_LIMITS, ...limits };
    this.host = {
      answer: (line) => this.handle(line),
      drops: this.drops,
      trimmedReply: () => void this.trimmedReplies++,
      closed: (c) => this.conns.delete(c),
    };
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
    for (const c of this.conns) c.cutOff(undefined);
    for (const s of this.refused) s.destroy();
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

  /** Connections and cut-offs, for `lowband status`. */
  status(): ControlStatus {
    return {
      connections: this.conns.size,
      maxConnections: this.limits.maxConnections,
      drops: { ...this.drops.byCause },
      trimmedReplies: this.trimmedReplies,
    };
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
    if (this.conns.size >= this.limits.maxConnections && !this.evictIdle()) {
      this.drops.count('refused');
      this.refused.add(sock);
      sock.on('close', () => this.refused.delete(sock));
      closeWith(sock, JSON.stringify({ ok: false, error: 'too many control connections' }));
      return;
    }
    this.conns.add(new ControlConnection(sock, this.limits, this.host));
  }

  /** Closes the connection idle the longest, if any, so an idle one never keeps a newcomer out. */
  private evictIdle(): boolean {
    let stalest: ControlConnection | undefined;
    for (const c of this.conns) if (c.idle && (!stalest || c.lastActiveMs < stalest.lastActiveMs)) stalest = c;
    if (!stalest) return false;
    this.conns.delete(stalest);
    stalest.cutOff('evicted');
    return true;
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
