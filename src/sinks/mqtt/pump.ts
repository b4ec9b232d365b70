/**
 * The MQTT sink's writer: cursor → PUBLISH (QoS 1) → PUBACK → commit. It owns the in-flight
 * window, retries of temporarily refused publishes and the `online` notice; the cursor is
 * committed only past what the broker acknowledged, in order.
 */
import type { IPublishPacket, Packet } from 'mqtt-packet';
import type { LogCursor, LogEntry } from '../../pipeline/message-log';
import { DropCounter } from '../../util/drop-counter';
import type { Logger, RateLimitedLog } from '../../util/log';
import { withRedelivery } from '../../wire/message';
import type { DiscoveryAnnouncer } from './announcer';
import type { SessionListener } from './connection';
import type { DiscoveryConfig } from './discovery';
import type { PubackRefusal } from './handlers';
import { InFlight, type Outgoing } from './inflight';
import type { MqttTuning } from './options';
import { toMqttMessage, type MqttMessage } from './payload';

/**
 * Packet ids the pump never takes, so the `online`/`offline` status publishes always find one:
 * they are added on session start and at stop, which cannot wait for acks.
 */
export const CONTROL_RESERVE = 4;

/** Where the pump writes: the broker session, when there is one. */
export interface PacketLink {
  readonly up: boolean;
  send(packet: Packet): void;
  /** Coalesce this tick's writes. */
  batch(): void;
}

/** What the pump publishes besides readings, and where. */
export interface PumpSettings {
  topicPrefix: string;
  gatewayId: string;
  /** Availability topic (`online`/`offline`, retained). */
  statusTopic: string;
  /** The configured window; an MQTT 5 broker's receive maximum may lower it. */
  window: number;
}

/** Cursor-to-broker publishing with acknowledgements (wire spec section 2.3). */
export class PublishPump implements SessionListener {
  readonly inflight = new InFlight();
  readonly drops = new DropCounter();
  window: number;
  replayed = 0;
  /** Publishes the broker refused for a temporary reason and that are retried. */
  retried = 0;
  private cursor: LogCursor | undefined;
  /** Entries with seq <= this were on disk uncommitted at open: a previous run may have published them. */
  private replayUntil = 0n;
  private stopping = false;
  /** Ends the pending wait for the cursor's next entry, when there is one (see `nextEntry`). */
  private wakeOnStop: (() => void) | undefined;
  private waiters: Array<() => void> = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** The latest `online` notice while unacknowledged: it is resent, so a reconnect adds no second one. */
  private online: Outgoing | undefined;

  constructor(
    private readonly settings: PumpSettings,
    private readonly link: PacketLink,
    private readonly announcer: DiscoveryAnnouncer | undefined,
    private readonly tuning: MqttTuning,
    private readonly log: Logger,
    private readonly rl: RateLimitedLog,
  ) {
    this.window = settings.window;
  }

  /** Runs until `stop`; resolves when the loop has ended. */
  async run(cursor: LogCursor): Promise<void> {
    this.cursor = cursor;
    this.replayUntil = cursor.replayUntil;
    for (;;) {
      // The cursor holds the backlog; we take no more than the window, and never the ids kept
      // for status publishes.
      await this.waitFor(() => this.stopping || (this.inflight.size < this.window && this.inflight.free > CONTROL_RESERVE));
      if (this.stopping) return;
      const entry = cursor.poll() ?? (await this.nextEntry(cursor));
      if (!entry || this.stopping) return;
      const prepared = this.prepare(entry);
      if (!prepared) continue;
      // A reading of a new device brings its discovery configs: room for all of them, or wait for acks.
      const need = prepared.configs.length + 1;
      await this.waitFor(() => this.stopping || this.inflight.free >= CONTROL_RESERVE + need);
      if (this.stopping) return;
      this.enqueue(entry.seq, prepared.msg, prepared.configs);
      this.flush();
    }
  }

  /**
   * The cursor's next entry, or undefined once `stop` is called. Not `Promise.race` with a
   * promise that settles at stop: every race leaves a reaction on that promise until it
   * settles, and each reaction held the entry it raced for. A caught-up pump waits once per
   * burst, so the steady bench's heap held thousands of them and every 64 KiB frame slab they
   * pointed into (RSS grew for as long as the gateway ran).
   */
  private nextEntry(cursor: LogCursor): Promise<LogEntry | undefined> {
    return new Promise((resolve, reject) => {
      this.wakeOnStop = () => resolve(undefined);
      cursor.next().then(
        (e) => {
          this.wakeOnStop = undefined;
          resolve(e);
        },
        (err: unknown) => {
          this.wakeOnStop = undefined;
          reject(err);
        },
      );
    });
  }

  /** Waits until everything taken and everything in the cursor is acknowledged, or `deadline`. */
  drained(deadline: number): Promise<void> {
    const cursor = this.cursor;
    return this.waitFor(() => this.inflight.size === 0 && (cursor?.backlog().messages ?? 0) === 0, deadline);
  }

  /** Takes no more from the cursor and cancels pending retries. */
  stop(): void {
    this.stopping = true;
    this.wakeOnStop?.();
    this.notify();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  /** Publishes the retained `offline` notice; resolves once acknowledged, the link drops, or `deadline`. */
  async offline(deadline: number): Promise<void> {
    if (!this.link.up) return;
    const o = this.inflight.add({ cmd: 'publish', topic: this.settings.statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true, dup: false });
    this.flush();
    if (o) await this.waitFor(() => o.done || !this.link.up, deadline);
  }

  // --- SessionListener (called by the connection) ---------------------------------------

  up(sessionPresent: boolean, receiveMaximum: number | undefined): void {
    // MQTT 5 brokers say how many QoS 1 publishes they take at once; exceeding it is a protocol error.
    this.window = Math.max(1, Math.min(this.settings.window, receiveMaximum ?? Infinity));
    if (!sessionPresent) this.announcer?.newSession(this.inflight.pendingAnnouncements());
    this.log.info({ window: this.window, resend: this.inflight.size }, 'mqtt session ready');
    // Availability first: HA marks our entities available before their states arrive.
    // An unacknowledged earlier notice is resent anyway; adding one per reconnect would leak ids.
    if (!this.online || this.online.done) {
      this.online = this.inflight.addFront({ cmd: 'publish', topic: this.settings.statusTopic, payload: Buffer.from('online'), qos: 1, retain: true, dup: false });
      if (!this.online) this.rl.warn('mqtt-no-id', { inFlight: this.inflight.size }, 'mqtt: no free packet id for the online notice');
    }
    this.flush();
    this.notify();
  }

  down(): void {
    this.inflight.resetForResend();
    this.notify();
  }

  puback(messageId: number, refusal?: PubackRefusal): void {
    if (refusal && !refusal.permanent) {
      this.retryLater(messageId, refusal.reason);
      return;
    }
    const { acked, commit } = this.inflight.ack(messageId);
    if (!acked) {
      this.rl.warn('mqtt-unknown-puback', { messageId }, 'mqtt PUBACK for an unknown packet id');
      return;
    }
    if (refusal) {
      // Resending would be refused again: count it as a drop and move on.
      this.drops.count('refused');
      if (acked.announce) this.announcer?.refused(acked.announce);
      this.rl.warn('mqtt-refused', { topic: acked.packet.topic, reason: refusal.reason }, 'mqtt broker refused a publish');
    }
    if (commit !== undefined) this.cursor?.commit(commit);
    this.flush();
    this.notify();
  }

  // --- publishing -----------------------------------------------------------------------

  /** A temporary refusal (quota, broker trouble): keep the publish in flight and send it again after a backoff. */
  private retryLater(messageId: number, reason: string): void {
    const o = this.inflight.hold(messageId);
    if (!o) {
      this.rl.warn('mqtt-unknown-puback', { messageId }, 'mqtt PUBACK for an unknown packet id');
      return;
    }
    this.retried++;
    const n = o.refusals ?? 1;
    const { retryMinMs: min, retryMaxMs: max } = this.tuning;
    const base = Math.min(max, min * 2 ** Math.min(n - 1, 30));
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.inflight.release(o);
      this.flush();
    }, delay);
    this.retryTimers.add(timer);
    this.rl.warn('mqtt-refused-retry', { topic: o.packet.topic, reason, refusals: n, retryInMs: delay }, 'mqtt broker refused a publish for now; retrying');
    // Its receive-window slot is free again.
    this.flush();
    this.notify();
  }

  /** Writes what the broker's window allows, oldest first. */
  private flush(): void {
    if (!this.link.up) return;
    this.link.batch();
    while (this.inflight.sent < this.window) {
      const p = this.inflight.nextToSend();
      if (!p) return;
      this.link.send(p);
    }
  }

  /** Decodes an entry and picks the discovery configs it needs; undefined (counted) when undecodable. */
  private prepare(entry: LogEntry): { msg: MqttMessage; configs: DiscoveryConfig[] } | undefined {
    let msg;
    const replay = entry.seq <= this.replayUntil;
    // A previous run may have published it: consumers see `redelivery: true` (wire flag bit 2).
    const frames = replay && entry.frames.length >= 2 ? [entry.frames[0], withRedelivery(entry.frames[1]), ...entry.frames.slice(2)] : entry.frames;
    try {
      msg = toMqttMessage(frames, this.settings.topicPrefix, this.settings.gatewayId);
    } catch (err) {
      this.drops.count('bad-message');
      this.rl.warn('mqtt-bad-message', { seq: entry.seq.toString(), err: (err as Error).message }, 'mqtt: log entry not decodable; dropped');
      this.skip(entry.seq);
      return undefined;
    }
    if (replay) this.replayed++;
    return { msg, configs: this.announcer?.configsFor(msg.wire) ?? [] };
  }

  /** Queues the discovery configs, then the reading; the caller made sure the packet ids are free. */
  private enqueue(seq: bigint, msg: MqttMessage, configs: DiscoveryConfig[]): void {
    for (const c of configs) {
      this.inflight.add({ cmd: 'publish', topic: c.topic, payload: c.payload, qos: 1, retain: true, dup: false }, undefined, c.id);
    }
    const packet: Omit<IPublishPacket, 'messageId'> = { cmd: 'publish', topic: msg.topic, payload: msg.payload, qos: 1, retain: false, dup: false };
    if (!this.inflight.add(packet, seq)) {
      // Unreachable while the pump checks `free` first; counted rather than thrown all the same.
      this.drops.count('no-packet-id');
      this.skip(seq);
    }
  }

  /** An entry that is not published still holds its place, so the cursor can pass it in order. */
  private skip(seq: bigint): void {
    this.inflight.skip(seq);
    const commit = this.inflight.advance();
    if (commit !== undefined) this.cursor?.commit(commit);
  }

  // --- waiting --------------------------------------------------------------------------

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once `cond()` holds (re-checked on every state change) or at `deadline`. */
  private async waitFor(cond: () => boolean, deadline = Infinity): Promise<void> {
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const t = Number.isFinite(left) ? setTimeout(resolve, left) : undefined;
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
