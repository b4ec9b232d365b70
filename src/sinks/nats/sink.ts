/**
 * The NATS JetStream sink (wire spec section 2.4): one JetStream publish per log entry, with the
 * key as `Nats-Msg-Id`, up to `window` awaiting their ack. The cursor is committed only on the
 * stream's ack (a contiguous acknowledged prefix), so nothing leaves the spool before the stream
 * holds it; the stream's duplicate window drops the copies other gateways heard and our resends.
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { LogCursor } from '../../pipeline/message-log';
import { DropCounter } from '../../util/drop-counter';
import { RateLimitedLog, type Logger } from '../../util/log';
import { withRedelivery } from '../../wire/message';
import type { Sink, SinkStatus } from '../sink';
import { Backoff, Pause } from './backoff';
import { classify, needsBackoff, type NatsCause } from './errors';
import { resolveNatsEndpoint, type NatsConfig, type NatsEndpoint } from './options';
import { StreamGuard, wantedStream, type StreamWanted } from './stream';
import { msgIdFor, streamData, subjectFor } from './subject';
import { CursorReader } from './reader';
import { Wakeup, withTimeout } from './wakeup';
import { PublishWindow, type Slot } from './window';

/** Entries published back to back before the pump lets acks and timers run. */
const BATCH = 256;
/** Readings waiting this long without any ack raise an alarm (server away, stream silent). */
const STALL_ALARM_MS = 60_000;

/** NATS JetStream upstream for fleets of gateways. */
export class NatsSink implements Sink {
  readonly name = 'nats';
  private readonly rl: RateLimitedLog;
  private readonly want: StreamWanted;
  private readonly window = new PublishWindow();
  private readonly errors = new DropCounter();
  private readonly ownDrops = new DropCounter();
  private readonly connectBackoff: Backoff;
  private endpoint: NatsEndpoint | undefined;
  private cursor: LogCursor | undefined;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private state = 'stopped';
  private connected = false;
  /** The last login attempt was refused: alarm until one succeeds. */
  private authRefused = false;
  private readonly stream: StreamGuard;
  /** The server refused (storage full, permission) or its stream did not answer: nothing is sent meanwhile. */
  private readonly pause: Pause;
  private refusal: NatsCause | undefined;
  private server: string | undefined;
  private lastError: string | undefined;
  private replayUntil = 0n;
  /** Last ack, or the moment work started waiting on an idle sink (monotonic ms: wall clocks step). */
  private lastProgress = performance.now();
  private published = 0;
  /** Publish requests not yet answered (acked, refused or timed out). */
  private requests = 0;
  private acked = 0;
  private duplicates = 0;
  private resends = 0;
  private replayed = 0;
  private reconnects = 0;
  private stopping = false;
  private readonly signal = new Wakeup();
  private readonly wake = () => this.signal.wake();
  private reader: CursorReader | undefined;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly cfg: NatsConfig,
    private readonly gatewayId: string,
    private readonly log: Logger,
    private readonly stallAlarmMs = STALL_ALARM_MS,
  ) {
    this.rl = new RateLimitedLog(log, 60_000);
    this.want = wantedStream(cfg, gatewayId);
    this.connectBackoff = new Backoff(cfg.reconnect_min_ms, cfg.reconnect_max_ms);
    this.pause = new Pause(new Backoff(cfg.reconnect_min_ms, cfg.reconnect_max_ms), () => this.wake());
    const onProblem = (cause: NatsCause, problem: string) => {
      this.errors.count(cause);
      this.lastError = problem;
    };
    this.stream = new StreamGuard(this.want, cfg.reconnect_max_ms, log, onProblem, () => this.wake());
  }

  /** Reads the credential and TLS files (throws NatsConfigError when unusable) and starts connecting. */
  async start(cursor: LogCursor): Promise<void> {
    if (this.cursor) throw new Error(`sink ${this.name} already started`);
    this.endpoint = resolveNatsEndpoint(this.cfg, this.gatewayId);
    this.cursor = cursor;
    this.replayUntil = cursor.replayUntil;
    this.reader = new CursorReader(cursor, () => this.wake(), this.log);
    this.stopping = false;
    this.log.info({ ...this.endpoint.describe, stream: this.cfg.stream, subjects: this.want.ours, window: this.cfg.window }, 'nats sink starting');
    const failed = (err: Error) => {
      this.state = 'failed';
      this.lastError = `connection loop stopped: ${err.message}`;
      this.log.error({ err: err.message }, 'nats sink: connection loop stopped');
    };
    this.loops = [this.connectLoop().catch(failed), this.pump()];
  }

  /** Waits up to `drainMs` for everything read to be acknowledged, then closes the connection. */
  async stop(drainMs: number): Promise<void> {
    if (!this.cursor || this.stopping) return;
    const cursor = this.cursor;
    await this.signal.until(() => this.window.pending === 0 && cursor.backlog().messages === 0, performance.now() + Math.max(0, drainMs));
    this.stopping = true;
    this.stream.close();
    this.pause.cancel();
    this.signal.cancelSleeps();
    this.wake();
    if (this.nc) await withTimeout(this.nc.close(), 2000);
    // A connect attempt in progress ends by its own timeout; stop does not wait that long for it.
    await withTimeout(Promise.allSettled(this.loops), 3000);
    this.state = 'stopped';
    this.log.info({ cursor: cursor.committed.toString(), inFlight: this.window.pending }, 'nats sink stopped');
  }

  status(): SinkStatus {
    const c = this.cursor;
    const drops: Record<string, number> = { ...(c?.drops ?? {}) };
    for (const [k, v] of Object.entries(this.ownDrops.byCause)) drops[k] = (drops[k] ?? 0) + v;
    const alarm = this.alarm();
    return {
      name: this.name,
      kind: 'nats',
      state: this.state,
      cursor: (c?.committed ?? 0n).toString(),
      inFlight: this.window.pending,
      backlog: c ? c.backlog() : { messages: 0, bytes: 0 },
      drops,
      servers: this.cfg.url,
      server: this.server ?? null,
      stream: this.cfg.stream,
      streamReady: this.stream.ready,
      subjects: this.want.ours,
      published: this.published,
      acked: this.acked,
      /** Acks saying the stream already held the message: another gateway heard it too, or a resend. */
      duplicates: this.duplicates,
      resends: this.resends,
      outstanding: this.requests,
      replayed: this.replayed,
      reconnects: this.reconnects,
      errors: { ...this.errors.byCause },
      ...(this.stream.warning ? { warning: this.stream.warning } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(alarm ? { alarm } : {}),
    };
  }

  /** A condition a person must fix: readings wait in the spool until then. */
  private alarm(): string | undefined {
    if (this.stream.problem) return this.stream.problem;
    if (this.authRefused) return `the NATS server refuses our credentials (${this.endpoint?.describe.auth ?? 'none'})`;
    if (this.refusal === 'storage_full') return `stream ${this.cfg.stream} is full: readings wait in the spool`;
    if (this.refusal === 'no_permission') return `not allowed to publish to ${this.want.ours}: readings wait in the spool`;
    const stalledMs = performance.now() - this.lastProgress;
    const waiting = this.window.pending > 0 || (this.cursor?.backlog().messages ?? 0) > 0;
    if (waiting && stalledMs >= this.stallAlarmMs) return `no ack from stream ${this.cfg.stream} for ${Math.round(stalledMs / 1000)} s (${this.state}): readings wait in the spool`;
    return undefined;
  }

  // --- connection ----------------------------------------------------------------------

  private async connectLoop(): Promise<void> {
    while (!this.stopping) {
      // Refused credentials stay the state (and the alarm) until a login succeeds.
      this.state = this.authRefused ? 'auth-failed' : 'connecting';
      let nc: NatsConnection;
      try {
        nc = await connect({
          ...this.endpoint!.options,
          reconnect: true,
          maxReconnectAttempts: -1,
          // Our own backoff (with jitter) between rounds of the server list.
          reconnectDelayHandler: () => this.connectBackoff.next(),
          reconnectJitter: 0,
          reconnectJitterTLS: 0,
          timeout: Math.max(1000, Math.min(20_000, this.cfg.ack_timeout_ms)),
          pingInterval: 10_000,
          maxPingOut: 3,
        });
      } catch (err) {
        const cause = this.countError(classify(err), err, 'connect failed');
        this.authRefused = cause === 'auth';
        this.state = this.authRefused ? 'auth-failed' : 'disconnected';
        await this.signal.sleep(this.connectBackoff.next());
        continue;
      }
      if (this.stopping) {
        await withTimeout(nc.close(), 2000);
        break;
      }
      this.connectBackoff.reset();
      this.nc = nc;
      this.js = jetstream(nc, { timeout: this.cfg.ack_timeout_ms });
      this.jsm = await jetstreamManager(nc, { checkAPI: false, timeout: this.cfg.ack_timeout_ms });
      this.onConnected(nc.getServer(), false);
      const watching = this.watchStatus(nc);
      const closed = await nc.closed();
      this.connected = false;
      this.nc = undefined;
      this.js = undefined;
      this.jsm = undefined;
      this.stream.invalidate();
      this.window.resendAll();
      await watching;
      if (this.stopping) break;
      // The client gave up (e.g. credentials refused twice in a row): start over with our backoff.
      this.countError(closed ? classify(closed) : 'disconnected', closed ?? new Error('connection closed'), 'connection closed');
      if (closed && classify(closed) === 'auth') {
        this.authRefused = true;
        this.state = 'auth-failed';
      }
      await this.signal.sleep(this.connectBackoff.next());
    }
  }

  private onConnected(server: string, reconnect: boolean): void {
    this.connected = true;
    this.authRefused = false;
    this.server = server;
    this.state = 'connected';
    this.log.info({ server, reconnect }, reconnect ? 'nats sink: reconnected' : 'nats sink: connected');
    if (reconnect) {
      this.reconnects++;
      // What was in flight may have died with the old connection; the stream drops what it has.
      this.window.resendAll();
    }
    this.checkStream();
  }

  private checkStream(): void {
    const jsm = this.jsm;
    if (jsm) void this.stream.check(jsm, () => this.jsm === jsm);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    try {
      for await (const st of nc.status()) {
        if (st.type === 'disconnect') {
          this.connected = false;
          this.state = 'disconnected';
          this.lastProgress = performance.now(); // the stall alarm counts from the loss
          this.rl.warn('nats-disconnect', { server: st.server }, 'nats sink: disconnected, reconnecting');
        } else if (st.type === 'reconnect') {
          this.connectBackoff.reset();
          this.onConnected(st.server, true);
          this.wake();
        } else if (st.type === 'error') {
          const cause = this.countError(classify(st.error), st.error, 'server error');
          if (cause === 'auth') {
            this.authRefused = true;
            this.state = 'auth-failed';
          }
        } else if (st.type === 'close') break;
      }
    } catch (err) {
      if (!this.stopping) this.log.error({ err: (err as Error).message }, 'nats sink: status watcher stopped');
    }
  }

  // --- publishing ----------------------------------------------------------------------

  private canSend(): boolean {
    // Requests of attempts a reconnect overtook live until their timeout: they count too, so a
    // flapping server cannot pile up more than two windows of outstanding publishes.
    return this.connected && this.stream.ready && !this.pause.active && this.js !== undefined && this.requests < 2 * this.cfg.window;
  }

  private async pump(): Promise<void> {
    let burst = 0;
    try {
      while (!this.stopping) {
        if (!this.canSend()) {
          await this.signal.idle();
          continue;
        }
        if (++burst >= BATCH) {
          burst = 0;
          await new Promise((r) => setImmediate(r));
          continue;
        }
        const again = this.window.nextResend();
        if (again) {
          this.resends++;
          this.send(again, true);
          continue;
        }
        if (this.window.size >= this.cfg.window) {
          await this.signal.idle();
          continue;
        }
        const e = this.reader!.take();
        if (e === null) {
          await this.signal.idle();
          continue;
        }
        if (e === undefined) break;
        if (this.window.pending === 0) this.lastProgress = performance.now();
        const replay = e.seq <= this.replayUntil;
        if (replay) this.replayed++;
        this.send(this.window.add(e), replay);
      }
    } catch (err) {
      if (!this.stopping) {
        this.state = 'failed';
        this.lastError = `writer stopped: ${(err as Error).message}`;
        this.log.error({ err: (err as Error).message }, 'nats sink: writer stopped');
      }
    }
  }

  private send(slot: Slot, redelivery: boolean): void {
    const [topic, header, body] = slot.entry.frames;
    const subject = subjectFor(this.cfg.subject_prefix, this.gatewayId, topic);
    if (!subject) {
      // Cannot happen for messages the pipeline encodes; counted rather than blocking the cursor.
      if (this.ownDrops.count('bad_topic') === 1) this.log.error({ seq: slot.entry.seq.toString() }, 'nats sink: message without a radio in its topic dropped');
      this.commit(this.window.ack(slot));
      return;
    }
    const attempt = ++slot.attempt;
    this.published++;
    this.requests++;
    const data = streamData(redelivery ? withRedelivery(header) : header, body);
    this.js!.publish(subject, data, { msgID: msgIdFor(header), timeout: this.cfg.ack_timeout_ms }).then(
      (ack) => {
        this.requests--;
        this.onAck(slot, ack);
      },
      (err: unknown) => {
        this.requests--;
        this.onFailure(slot, attempt, err);
      },
    );
  }

  private onAck(slot: Slot, ack: PubAck): void {
    if (slot.done) return this.wake();
    this.lastProgress = performance.now();
    this.acked++;
    if (ack.duplicate) this.duplicates++;
    if (ack.stream !== this.cfg.stream && this.errors.count('other_stream') === 1) {
      this.log.warn({ stream: ack.stream, configured: this.cfg.stream }, 'nats sink: another stream took our subject');
    }
    this.pause.succeeded();
    if (this.refusal) {
      this.refusal = undefined;
      this.log.info({ stream: this.cfg.stream }, 'nats sink: the stream accepts readings again');
    }
    this.commit(this.window.ack(slot));
  }

  private commit(seq: bigint | undefined): void {
    if (seq !== undefined) this.cursor!.commit(seq);
    this.wake();
  }

  private onFailure(slot: Slot, attempt: number, err: unknown): void {
    if (slot.done || this.stopping) return this.wake();
    const cause = this.countError(classify(err), err, 'publish failed');
    // A late failure of an older attempt: the newer one decides.
    if (attempt === slot.attempt) this.window.resend(slot);
    if (cause === 'no_stream') {
      this.stream.invalidate();
      this.checkStream();
      // The check may find the stream there while nothing answers its subject (a cluster
      // electing the stream's leader): without a pause the window was resent every round trip.
      this.pause.begin();
    } else if (needsBackoff(cause)) {
      this.refusal = cause;
      this.pause.begin();
    }
    this.wake();
  }

  /** Counts `cause` and logs it (rate-limited per cause); server messages carry no secrets. */
  private countError(cause: NatsCause, err: unknown, what: string): NatsCause {
    if (this.stopping) return cause;
    this.errors.count(cause);
    const message = (err as Error)?.message ?? String(err);
    this.lastError = `${cause}: ${message}`;
    this.rl.warn(`nats-${cause}`, { cause, err: message, servers: this.cfg.url }, `nats sink: ${what}`);
    return cause;
  }
}
