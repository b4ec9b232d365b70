import * as zmq from 'zeromq';
import type { Config } from '../config/schema';
import type { LogCursor } from '../pipeline/message-log';
import { DropCounter } from '../util/drop-counter';
import type { Logger } from '../util/log';
import { RateLimitedLog } from '../util/log';
import { sinkDrops, type Sink, type SinkStatus } from './sink';

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
  private subscriber: Promise<void> | undefined;
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
    this.subscriber = this.subscriptionLoop(s);
  }

  /** Bound endpoints as libzmq resolved them (a `:*` port becomes the real one). */
  boundEndpoints(): string[] {
    return [...this.endpoints];
  }

  // One awaited send at a time: zeromq.js throws synchronously when sends overlap.
  private async writeLoop(s: zmq.XPublisher, cursor: LogCursor): Promise<void> {
    for (;;) {
      const e = await cursor.next();
      if (!e) return;
      try {
        await s.send(e.frames);
        this.sent++;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'EAGAIN') {
          this.drops.count('hwm');
        } else if (s.closed) {
          return;
        } else {
          this.drops.count('hwm');
          this.rl.warn('publish-send', { err: (err as Error).message }, 'publish send failed; message dropped');
        }
      }
      cursor.commit(e.seq);
    }
  }

  // XPUB delivers (un)subscriptions as messages; reading them keeps its queue empty and
  // tells status how many subscriptions are live.
  private async subscriptionLoop(s: zmq.XPublisher): Promise<void> {
    try {
      for await (const [msg] of s) {
        if (msg.length > 0 && msg[0] === 1) this.subscriptions++;
        else if (msg.length > 0 && msg[0] === 0) this.subscriptions = Math.max(0, this.subscriptions - 1);
      }
    } catch {
      // Socket closed.
    }
  }

  async stop(drainMs: number): Promise<void> {
    const s = this.socket;
    if (!s) return;
    const deadline = Date.now() + drainMs;
    // Give the writer a bounded chance to hand over what is queued.
    while (this.cursor && this.cursor.backlog().messages > 0 && Date.now() < deadline && this.subscriptions > 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    this.cursor?.close();
    await this.writer;
    s.close();
    await this.subscriber;
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
