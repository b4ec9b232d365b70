import type { Socket } from 'node:net';
import type { DropCounter } from '../util/drop-counter';
import { Fifo } from '../util/fifo';
import type { ControlResponse } from './protocol';
import { boundedLine } from './reply-bound';

/** Per-connection limits (see ControlLimits in server.ts for the defaults and why). */
export interface ConnectionLimits {
  maxLineBytes: number;
  maxPending: number;
  requestMs: number;
  connectionMs: number;
  ratePerSecond: number;
  rateBurst: number;
  maxReplyBytes: number;
  writeStallMs: number;
}

/** What a connection needs from its server: an answer per request line and a place to count. */
export interface ConnectionHost {
  answer(line: string): Promise<ControlResponse>;
  /** Cut-offs by cause (`timed_out`, `too_large`, `slow_reader`, `rate_limited`, `evicted`). */
  readonly drops: DropCounter;
  /** A reply had to be trimmed to fit `maxReplyBytes`. */
  trimmedReply(): void;
  closed(conn: ControlConnection): void;
}

/** How long a final error line may take to reach the kernel before the socket goes anyway. */
const FAREWELL_MS = 1000;

/**
 * Sends one last line and closes: destroyed once the line is flushed (or after a grace), never
 * only ended, because a peer that neither reads nor closes would hold the descriptor for ever.
 */
export function closeWith(sock: Socket, line: string): void {
  if (sock.destroyed) return;
  const timer = setTimeout(() => sock.destroy(), FAREWELL_MS);
  timer.unref();
  sock.once('close', () => clearTimeout(timer));
  sock.end(line + '\n', () => sock.destroy());
}

/**
 * One client of the control socket: splits its bytes into request lines and answers them in
 * order, one at a time. Every resource it can hold is bounded: bytes of a partial line, lines
 * waiting, time to deliver a request (absolute, not reset by each byte), total lifetime,
 * requests per second, reply size, and a reply the client does not read (reading stops until
 * it drains; past `writeStallMs` the client is dropped).
 */
export class ControlConnection {
  private partial = '';
  private partialBytes = 0;
  private readonly lines = new Fifo<string>();
  /** Bytes of the lines waiting: together with the partial line, at most two request bounds. */
  private queuedBytes = 0;
  /** A request is being answered or its reply has not drained yet. */
  private busy = false;
  private closing = false;
  private tokens: number;
  private refilledAt = Date.now();
  private requestTimer?: NodeJS.Timeout;
  private stallTimer?: NodeJS.Timeout;
  private readonly lifeTimer: NodeJS.Timeout;
  /** When it last started or finished a request (or connected): eviction picks the stalest. */
  lastActiveMs = Date.now();

  constructor(
    private readonly sock: Socket,
    private readonly limits: ConnectionLimits,
    private readonly host: ConnectionHost,
  ) {
    this.tokens = limits.rateBurst;
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('drain', () => this.onDrain());
    sock.on('close', () => this.onClose());
    this.lifeTimer = setTimeout(
      () => this.refuse('timed_out', `connection open longer than ${limits.connectionMs} ms`),
      limits.connectionMs,
    );
    this.lifeTimer.unref();
    this.armRequestTimer();
  }

  /** Not answering anything and nothing queued: its slot can be given to someone else. */
  get idle(): boolean {
    return !this.busy && this.lines.length === 0 && !this.closing;
  }

  /** Closes at once, counting why (eviction, stop). */
  cutOff(cause: string | undefined): void {
    if (cause && !this.closing) this.host.drops.count(cause);
    this.closing = true;
    this.sock.destroy();
  }

  private onData(chunk: string): void {
    if (this.closing) return;
    const max = this.limits.maxLineBytes;
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      const line = this.partial + piece;
      const bytes = this.partialBytes + Buffer.byteLength(piece);
      this.partial = '';
      this.partialBytes = 0;
      if (bytes > max) return this.refuse('too_large', `request longer than ${max} bytes`);
      if (line.trim() === '') continue;
      if (!this.takeToken()) {
        return this.refuse('rate_limited', `more than ${this.limits.ratePerSecond} requests per second`);
      }
      if (this.lines.length >= this.limits.maxPending || this.queuedBytes + bytes > max) {
        return this.refuse('rate_limited', 'too many pipelined requests');
      }
      this.lines.push(line);
      this.queuedBytes += bytes;
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      this.partial += rest;
      this.partialBytes += Buffer.byteLength(rest);
      if (this.partialBytes > max) return this.refuse('too_large', `request longer than ${max} bytes`);
    }
    this.next();
  }

  private takeToken(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.limits.rateBurst, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.ratePerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private next(): void {
    if (this.busy || this.closing) return;
    const line = this.lines.shift();
    if (line === undefined) return;
    this.queuedBytes -= Buffer.byteLength(line);
    clearTimeout(this.requestTimer);
    this.busy = true;
    this.lastActiveMs = Date.now();
    void this.host.answer(line).then((res) => this.send(res));
  }

  private send(res: ControlResponse): void {
    if (this.closing) return;
    const max = this.limits.maxReplyBytes;
    let bounded: ReturnType<typeof boundedLine>;
    try {
      bounded = boundedLine(res, max);
    } catch (err) {
      // A handler returned something JSON cannot carry (a bigint, a cycle): an error, not a crash.
      bounded = { line: JSON.stringify({ id: res.id, ok: false, error: `reply not serialisable: ${(err as Error).message}` }), trimmed: false };
    }
    if (!bounded) {
      this.host.drops.count('too_large');
      bounded = { line: JSON.stringify({ id: res.id, ok: false, error: `reply larger than ${max} bytes even with lists trimmed` }), trimmed: false };
    } else if (bounded.trimmed) {
      this.host.trimmedReply();
    }
    this.lastActiveMs = Date.now();
    if (this.sock.write(bounded.line + '\n')) {
      this.replied();
      return;
    }
    // The client is not keeping up: read nothing more from it until it has taken this reply.
    this.sock.pause();
    this.stallTimer = setTimeout(() => this.cutOff('slow_reader'), this.limits.writeStallMs);
    this.stallTimer.unref();
  }

  private onDrain(): void {
    if (!this.stallTimer) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.sock.resume();
    this.replied();
  }

  private replied(): void {
    this.busy = false;
    if (this.lines.length === 0) this.armRequestTimer();
    this.next();
  }

  /** The next complete request must arrive within `requestMs`, however it trickles in. */
  private armRequestTimer(): void {
    clearTimeout(this.requestTimer);
    this.requestTimer = setTimeout(
      () => this.refuse('timed_out', `no complete request within ${this.limits.requestMs} ms`),
      this.limits.requestMs,
    );
    this.requestTimer.unref();
  }

  private refuse(cause: string, error: string): void {
    if (this.closing) return;
    this.host.drops.count(cause);
    this.closing = true;
    this.lines.clear();
    this.queuedBytes = 0;
    closeWith(this.sock, JSON.stringify({ ok: false, error }));
  }

  private onClose(): void {
    this.closing = true;
    clearTimeout(this.requestTimer);
    clearTimeout(this.stallTimer);
    clearTimeout(this.lifeTimer);
    this.host.closed(this);
  }
}
