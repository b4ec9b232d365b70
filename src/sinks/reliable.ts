import pino from 'pino';
import { Dealer } from 'zeromq';
import type { LogCursor, LogEntry } from '../pipeline/message-log';
import { z85Encode } from '../security/z85';
import { Fifo } from '../util/fifo';
import type { Logger } from '../util/log';
import { withRedelivery } from '../wire/message';
import type { Sink, SinkStatus } from './sink';

/** Options for {@link ReliableSink}; `connect`, `window`, `ackTimeoutMs` come from `upstream.reliable`. */
export interface ReliableSinkOptions {
  /** Sink (and spool cursor) name, default `reliable`. */
  name?: string;
  connect: string;
  /** Unacknowledged messages allowed in flight. */
  window: number;
  /** Resend everything unacknowledged after this long without ack progress. */
  ackTimeoutMs: number;
  logger?: Logger;
  /** Backend's public key (Z85 text or 32 bytes): turns CURVE on. */
  curveServerKey?: Buffer | string;
  curvePublicKey?: Buffer | string;
  curveSecretKey?: Buffer | string;
  /** Last say over the socket before it connects (e.g. the CURVE helper's own setup). */
  socketOptions?: (socket: Dealer) => void;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  reconnectIntervalMs?: number;
  reconnectMaxIntervalMs?: number;
  lingerMs?: number;
}

function z85(k: Buffer | string): string {
  return typeof k === 'string' ? k : z85Encode(k);
}

/**
 * At-least-once delivery to a backend ROUTER (wire spec section 2): a DEALER dials out, keeps up
 * to `window` messages unacknowledged, commits the cursor on cumulative `["ACK", seq]` and
 * resends everything unacknowledged, in order and flagged as redelivery, after an ack timeout or
 * a reconnect. One awaited writer loop: zeromq.js throws synchronously on overlapping sends.
 */
export class ReliableSink implements Sink {
  readonly name: string;
  private readonly opts: ReliableSinkOptions;
  private readonly log: Logger;
  private socket: Dealer | undefined;
  private cursor: LogCursor | undefined;
  /** The in-flight window: sent, not yet acknowledged, oldest first. */
  private readonly inflight = new Fifo<LogEntry>();
  /** Entries shifted out of `inflight` so far: absolute positions survive acks during a resend. */
  private shifted = 0;
  private state = 'stopped';
  private stopping = false;
  private replayUntil = 0n;
  private resendWanted = false;
  private lastProgress = Date.now();
  private lastAckAt: number | undefined;
  private lastAckSeq = 0n;
  private resends = 0;
  private resendBursts = 0;
  private replayed = 0;
  private malformedAcks = 0;
  private staleAcks = 0;
  private sent = 0;
  /** A disconnect was seen: the next connect is a reconnect and what was in flight may be lost. */
  private lostConnection = false;
  private wakeup: (() => void) | undefined;
  private nextPending = false;
  private ready: { e: LogEntry | undefined } | undefined;
  private loops: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: ReliableSinkOptions) {
    this.opts = opts;
    this.name = opts.name ?? 'reliable';
    this.log = opts.logger ?? pino({ level: 'silent' });
  }

  async start(cursor: LogCursor): Promise<void> {
    if (this.socket) throw new Error(`sink ${this.name} already started`);
    this.cursor = cursor;
    this.replayUntil = cursor.replayUntil;
    const o = this.opts;
    const s = new Dealer({
      linger: o.lingerMs ?? 500,
      immediate: true,
      heartbeatInterval: o.heartbeatIntervalMs ?? 1000,
      heartbeatTimeout: o.heartbeatTimeoutMs ?? 3000,
      heartbeatTimeToLive: o.heartbeatTimeoutMs ?? 3000,
      reconnectInterval: o.reconnectIntervalMs ?? 100,
      reconnectMaxInterval: o.reconnectMaxIntervalMs ?? 10_000,
      // Keep the JS-side window the only queue: a short libzmq queue means little to lose at a disconnect.
      sendHighWaterMark: Math.max(1, Math.min(o.window, 1000)),
    });
    if (o.curveServerKey) {
      if (!o.curvePublicKey || !o.curveSecretKey) throw new Error(`sink ${this.name}: CURVE needs the gateway key pair`);
      s.curveServerKey = z85(o.curveServerKey);
      s.curvePublicKey = z85(o.curvePublicKey);
      s.curveSecretKey = z85(o.curveSecretKey);
    }
    o.socketOptions?.(s);
    this.socket = s;
    this.state = 'connecting';
    this.stopping = false;
    this.loops = [this.watchEvents(s), this.readAcks(s)];
    s.connect(o.connect);
    this.lastProgress = Date.now();
    const every = Math.max(10, Math.min(250, Math.floor(o.ackTimeoutMs / 4)));
    this.timer = setInterval(() => this.checkTimeout(), every);
    this.timer.unref();
    this.loops.push(this.writer(s));
  }

  async stop(drainMs: number): Promise<void> {
    if (!this.socket) return;
    const deadline = Date.now() + Math.max(0, drainMs);
    // Draining means: everything read from the log has been acknowledged.
    while (Date.now() < deadline && (this.inflight.length > 0 || (this.cursor?.backlog().messages ?? 0) > 0) && !this.stopping) {
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.wake();
    const s = this.socket;
    try {
      s.linger = Math.min(this.opts.lingerMs ?? 500, 1000);
    } catch {
      // closed already
    }
    s.close();
    await Promise.allSettled(this.loops);
    this.socket = undefined;
    this.state = 'stopped';
  }

  status(): SinkStatus {
    const c = this.cursor;
    return {
      name: this.name,
      kind: 'reliable',
      state: this.state,
      cursor: (c?.committed ?? 0n).toString(),
      inFlight: this.inflight.length,
      backlog: c ? c.backlog() : { messages: 0, bytes: 0 },
      drops: { ...(c?.drops ?? {}) },
      endpoint: this.opts.connect,
      sent: this.sent,
      resends: this.resends,
      resendBursts: this.resendBursts,
      replayed: this.replayed,
      malformedAcks: this.malformedAcks,
      staleAcks: this.staleAcks,
      lastAckSeq: this.lastAckSeq.toString(),
      lastAckAt: this.lastAckAt === undefined ? null : new Date(this.lastAckAt).toISOString(),
    };
  }

  private wake(): void {
    const w = this.wakeup;
    this.wakeup = undefined;
    w?.();
  }

  private sleep(): Promise<void> {
    return new Promise((r) => {
      this.wakeup = r;
    });
  }

  /** Ask the cursor for the next entry without ever having two next() calls outstanding. */
  private requestNext(): void {
    if (this.nextPending || this.ready) return;
    this.nextPending = true;
    this.cursor!.next().then(
      (e) => {
        this.nextPending = false;
        this.ready = { e };
        this.wake();
      },
      (err: Error) => {
        this.nextPending = false;
        this.log.error({ sink: this.name, err: err.message }, 'reliable sink: cursor failed');
        this.ready = { e: undefined };
        this.wake();
      },
    );
  }

  private async writer(s: Dealer): Promise<void> {
    try {
      while (!this.stopping) {
        if (this.resendWanted) {
          this.resendWanted = false;
          await this.resendAll(s);
          continue;
        }
        if (this.inflight.length >= this.opts.window) {
          await this.sleep();
          continue;
        }
        this.requestNext();
        if (!this.ready) {
          await this.sleep();
          continue;
        }
        const { e } = this.ready;
        this.ready = undefined;
        if (e === undefined) break;
        if (this.inflight.length === 0) this.lastProgress = Date.now();
        this.inflight.push(e);
        const replay = e.seq <= this.replayUntil;
        if (replay) this.replayed++;
        await s.send(replay ? [e.frames[0], withRedelivery(e.frames[1]), e.frames[2]] : e.frames);
        this.sent++;
      }
    } catch (err) {
      if (!this.stopping) {
        this.log.error({ sink: this.name, err: (err as Error).message }, 'reliable sink: writer stopped');
        this.state = 'failed';
      }
    }
  }

  /** Resend the window from its first unacknowledged entry, in order, flagged. */
  private async resendAll(s: Dealer): Promise<void> {
    if (this.inflight.length === 0) return;
    this.resendBursts++;
    this.lastProgress = Date.now();
    let k = this.shifted;
    while (!this.stopping && !this.resendWanted) {
      if (k < this.shifted) k = this.shifted; // acknowledged meanwhile
      const i = k - this.shifted;
      if (i >= this.inflight.length) break;
      const e = this.inflight.at(i)!;
      await s.send([e.frames[0], withRedelivery(e.frames[1]), e.frames[2]]);
      this.resends++;
      k++;
    }
  }

  private async readAcks(s: Dealer): Promise<void> {
    try {
      for await (const msg of s) {
        if (msg.length !== 2 || msg[1].length !== 8 || msg[0].length !== 3 || msg[0].toString('latin1') !== 'ACK') {
          if (this.malformedAcks++ === 0) this.log.warn({ sink: this.name, frames: msg.length }, 'reliable sink: malformed ack ignored');
          continue;
        }
        this.onAck(msg[1].readBigUInt64BE(0));
      }
    } catch (err) {
      if (!this.stopping) this.log.error({ sink: this.name, err: (err as Error).message }, 'reliable sink: ack reader stopped');
    }
  }

  private onAck(seq: bigint): void {
    let last: LogEntry | undefined;
    while (this.inflight.length > 0 && this.inflight.peek()!.seq <= seq) {
      last = this.inflight.shift();
      this.shifted++;
    }
    this.lastAckAt = Date.now();
    if (!last) {
      this.staleAcks++;
      return;
    }
    this.lastAckSeq = last.seq;
    this.lastProgress = this.lastAckAt;
    this.cursor!.commit(last.seq);
    this.wake();
  }

  private async watchEvents(s: Dealer): Promise<void> {
    try {
      for await (const ev of s.events) {
        if (ev.type === 'connect') {
          this.state = 'connected';
          this.log.info({ sink: this.name, endpoint: ev.address }, 'reliable sink: connected');
          // Whatever was in flight may have died with the old connection. (On the first connect
          // nothing was lost: with `immediate` messages only queue once the pipe is up.)
          if (this.lostConnection && this.inflight.length > 0) {
            this.resendWanted = true;
            this.wake();
          }
          this.lostConnection = false;
        } else if (ev.type === 'disconnect') {
          this.lostConnection = true;
          this.state = 'disconnected';
          this.log.warn({ sink: this.name, endpoint: ev.address }, 'reliable sink: disconnected');
        } else if (ev.type === 'handshake:error:auth' || ev.type === 'handshake:error:protocol') {
          this.state = 'auth-failed';
          this.log.error({ sink: this.name, event: ev.type }, 'reliable sink: handshake refused');
        } else if (ev.type === 'end') break;
      }
    } catch (err) {
      if (!this.stopping) this.log.error({ sink: this.name, err: (err as Error).message }, 'reliable sink: event watcher stopped');
    }
  }

  private checkTimeout(): void {
    if (this.inflight.length === 0 || this.stopping) return;
    if (Date.now() - this.lastProgress < this.opts.ackTimeoutMs) return;
    this.lastProgress = Date.now();
    this.resendWanted = true;
    this.wake();
  }
}
