import * as zmq from 'zeromq';
import type { Config } from '../config/schema';
import type { LogCursor, LogEntry } from '../pipeline/message-log';
import { DropCounter } from '../util/drop-counter';
import type { Logger } from '../util/log';
import { RateLimitedLog } from '../util/log';
import { sinkDrops, type Sink, type SinkStatus } from './sink';

/** Sends in a row before the writer lets other work run (a long backlog must not starve the loop). */
const DRAIN_SLICE = 512;
/** How often subscription notices are read while no readings flow (they are also read after every batch). */
const SUBSCRIPTIONS_EVERY_MS = 1000;

/** Lets the security layer make the socket a CURVE server before it binds. */
export type SocketSecurity = (socket: zmq.XPublisher) => void;

/**
 * Lossy fan-out (wire spec section 2.1): one XPUB socket that binds and/or connects.
 * libzmq's XPUB normally drops silently at the high-water mark; with `noDrop` and a zero send
 * timeout a full subscriber pipe makes `send` fail with EAGAIN instead, so every drop is
 * counted here. The trade-off: while one subscriber's pipe is full, the message is dropped for
 * all subscribers (they see a seq gap); heartbeats cut off subscribers that died.
 */
export class PublishSink implements Sink {
  readonly name = 'publish';
  private socket: zmq.XPublisher | undefined;
  private cursor: LogCursor | undefined;
  private writer: Promise<void> | undefined;
  private subscriptionTimer: NodeJS.Timeout | undefined;
  private readingSubscriptions: Promise<void> | undefined;
  private state = 'stopped';
  private subscriptions = 0;
  private sent = 0;
  /** Sends refused at the high-water mark (or failed): `hwm`. */
  private readonly drops = new DropCounter();
  private readonly rl: RateLimitedLog;
  private readonly endpoints: string[] = [];

  constructor(
    private readonly cfg: Config['upstream']['publish'],
    private readonly log: Logger,
    private readonly security?: SocketSecurity,
  ) {
    this.rl = new RateLimitedLog(log, 60_000);
  }

  async start(cursor: LogCursor): Promise<void> {
    this.cursor = cursor;
    const s = new zmq.XPublisher({
      sendHighWaterMark: this.cfg.hwm,
      noDrop: this.cfg.count_drops,
      sendTimeout: this.cfg.count_drops ? 0 : -1,
      linger: this.cfg.linger_ms,
      heartbeatInterval: 5000,
      heartbeatTimeout: 15000,
      heartbeatTimeToLive: 15000,
      reconnectInterval: 500,
      reconnectMaxInterval: 30_000,
      // Subscription notices are read only when some are there (see readSubscriptions).
      receiveTimeout: 0,
    });
    this.security?.(s);
    this.socket = s;
    for (const ep of this.cfg.bind) {
      await s.bind(ep);
      this.endpoints.push(s.lastEndpoint ?? ep);
    }
    for (const ep of this.cfg.connect) s.connect(ep);
    this.state = this.cfg.bind.length > 0 ? 'listening' : 'connecting';
    this.log.info({ bind: this.endpoints, connect: this.cfg.connect, hwm: this.cfg.hwm }, 'publish sink ready');
    this.writer = this.writeLoop(s, cursor);
    this.subscriptionTimer = setInterval(() => this.readSubscriptions(s), SUBSCRIPTIONS_EVERY_MS);
    this.subscriptionTimer.unref();
  }

  /** Bound endpoints as libzmq resolved them (a `:*` port becomes the real one). */
  boundEndpoints(): string[] {
    return [...this.endpoints];
  }

  /**
   * With a zero send timeout (`count_drops`), zeromq.js sends before `send()` returns and hands
   * back a promise that is already settled: no send is ever pending, so several in a row cannot
   * overlap (the "busy writing" throw needs a pending one). The loop then drains the cursor
   * synchronously with poll() and waits only when the cursor is empty; each outcome is counted
   * by a handler on its settled promise. Without a timeout a send may be pending (it waits for a
   * full pipe), so each one is awaited before the next.
   */
  private async writeLoop(s: zmq.XPublisher, cursor: LogCursor): Promise<void> {
    const settledAtOnce = this.cfg.count_drops;
    for (;;) {
      let e = cursor.poll();
      if (!e) {
        this.readSubscriptions(s);
        e = await cursor.next();
        if (!e) return;
        // Woken by the first append of a burst: let the rest of this event-loop turn (the other
        // datagrams libuv read in the same poll) append too, so they go out as one batch.
        if (settledAtOnce) await new Promise<void>((r) => setImmediate(r));
      }
      if (!settledAtOnce) {
        if (!(await this.sendAwaited(s, e))) return;
        cursor.commit(e.seq);
        continue;
      }
      // A long backlog is sent in slices so timers and sockets get their turn in between.
      for (let n = 0; e; n++) {
        if (n === DRAIN_SLICE) {
          await new Promise<void>((r) => setImmediate(r));
          if (s.closed) return;
          n = 0;
        }
        let p: Promise<void>;
        try {
          p = s.send(e.frames);
        } catch (err) {
          // Thrown, not rejected: the socket was closed under us.
          if (s.closed) return;
          this.failed(err);
          cursor.commit(e.seq);
          e = cursor.poll();
          continue;
        }
        p.then(this.onSent, this.onFailed);
        cursor.commit(e.seq);
        e = cursor.poll();
      }
    }
  }

  private readonly onSent = (): void => {
    this.sent++;
  };

  private readonly onFailed = (err: unknown): void => {
    if (this.socket?.closed ?? true) return;
    this.failed(err);
  };

  private failed(err: unknown): void {
    this.drops.count('hwm');
    if ((err as { code?: string }).code !== 'EAGAIN') {
      this.rl.warn('publish-send', { err: (err as Error).message }, 'publish send failed; message dropped');
    }
  }

  /** One send that may wait; false once the socket is closed. */
  private async sendAwaited(s: zmq.XPublisher, e: LogEntry): Promise<boolean> {
    try {
      await s.send(e.frames);
      this.sent++;
    } catch (err) {
      if (s.closed) return false;
      this.failed(err);
    }
    return true;
  }

  /**
   * XPUB delivers (un)subscriptions as messages; reading them keeps its queue short and tells
   * status how many subscriptions are live. They are read after each batch and once a second,
   * never by a receive left waiting: while one waits, zeromq.js asks libzmq for the socket's
   * events after every send (a getsockopt and a poll(2) per message, about 0.4 µs per reading
   * in the UDP bench). libzmq applies a subscription to its filter when it processes the
   * subscriber's pipe, whether or not the notice is read.
   */
  private readSubscriptions(s: zmq.XPublisher): void {
    if (this.readingSubscriptions || s.closed) return;
    this.readingSubscriptions = this.drainSubscriptions(s).finally(() => {
      this.readingSubscriptions = undefined;
    });
  }

  private async drainSubscriptions(s: zmq.XPublisher): Promise<void> {
    try {
      while (!s.closed && s.readable) {
        const [msg] = await s.receive();
        if (msg.length > 0 && msg[0] === 1) this.subscriptions++;
        else if (msg.length > 0 && msg[0] === 0) this.subscriptions = Math.max(0, this.subscriptions - 1);
      }
    } catch {
      // Socket closed under the read.
    }
  }

  async stop(drainMs: number): Promise<void> {
    const s = this.socket;
    if (!s) return;
    const deadline = Date.now() + drainMs;
    // A subscriber that joined since the last read counts too.
    this.readSubscriptions(s);
    await this.readingSubscriptions;
    // Give the writer a bounded chance to hand over what is queued.
    while (this.cursor && this.cursor.backlog().messages > 0 && Date.now() < deadline && this.subscriptions > 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    clearInterval(this.subscriptionTimer);
    this.cursor?.close();
    await this.writer;
    await this.readingSubscriptions;
    s.close();
    this.state = 'stopped';
    this.socket = undefined;
  }

  status(): SinkStatus {
    const drops = sinkDrops(this.cursor, this.drops);
    return {
      name: this.name,
      kind: 'publish',
      state: this.state,
      cursor: (this.cursor?.committed ?? 0n).toString(),
      inFlight: 0,
      backlog: this.cursor?.backlog() ?? { messages: 0, bytes: 0 },
      drops,
      sent: this.sent,
      subscriptions: this.subscriptions,
      endpoints: this.endpoints,
    };
  }
}
