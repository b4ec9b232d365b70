/**
 * The MQTT sink: QoS 1 publishes of every log entry to one broker over a raw net/tls socket with
 * mqtt-packet. The cursor is committed only on PUBACK, so with a durable log nothing is lost
 * across broker restarts, network cuts or our own restarts; consumers drop duplicates by `key`.
 */
import net from 'node:net';
import tls from 'node:tls';
import { generate, parser as mqttParser, type IPublishPacket, type Packet } from 'mqtt-packet';
import type { LogCursor, LogEntry } from '../../pipeline/message-log';
import { RateLimitedLog, type Logger } from '../../util/log';
import { withRedelivery } from '../../wire/message';
import type { Sink, SinkStatus } from '../sink';
import { AnnouncedSet, discoveryConfigs, gatewayConfig, type DiscoveryConfig } from './discovery';
import { handlePacket, type PacketContext, type PubackRefusal } from './handlers';
import { InFlight, type Outgoing } from './inflight';
import { DEFAULT_TUNING, resolveEndpoint, type MqttConfig, type MqttEndpoint, type MqttTuning } from './options';
import { statusTopic, toMqttMessage, type MqttMessage } from './payload';

/**
 * Packet ids the pump never takes, so the `online`/`offline` status publishes always find one:
 * they are added from the CONNACK handler and from stop(), which cannot wait for acks.
 */
export const CONTROL_RESERVE = 4;
/** Discovery configs announced per reading at most; the rest follow with later readings. */
export const MAX_CONFIGS_PER_READING = 256;

/** One connection attempt: its socket, parser and timers. A stale one's events are ignored. */
interface Connection {
  socket: net.Socket;
  up: boolean;
  pingOutstanding: boolean;
  corked?: boolean;
  connectTimer?: NodeJS.Timeout;
  pingTimer?: NodeJS.Timeout;
  closed: Promise<void>;
}

/** TLS verification failures: the certificate, not the network, is the problem. */
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED',
]);

/** MQTT upstream (wire spec section 2.3). */
export class MqttSink implements Sink, PacketContext {
  readonly name = 'mqtt';
  readonly protocolVersion: 4 | 5;
  private readonly tuning: MqttTuning;
  private readonly rl: RateLimitedLog;
  private endpoint: MqttEndpoint | undefined;
  private cursor: LogCursor | undefined;
  private conn: Connection | undefined;
  private state = 'stopped';
  private readonly inflight = new InFlight();
  private readonly announced: AnnouncedSet;
  private window: number;
  private attempts = 0;
  private connections = 0;
  private reconnects = 0;
  private fatalRefusal = false;
  private sessionPresent = false;
  private lastError: string | undefined;
  private readonly ownDrops: Record<string, number> = {};
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pump: Promise<void> | undefined;
  private stopping = false;
  private stopSignal: () => void = () => {};
  private readonly stopped: Promise<void>;
  private waiters: Array<() => void> = [];
  /** Entries with seq <= this were on disk uncommitted at open: a previous run may have published them. */
  private replayUntil = 0n;
  private replayed = 0;
  /** Publishes the broker refused for a temporary reason and that are retried. */
  private retried = 0;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** The latest `online` notice while unacknowledged: it is resent, so a reconnect adds no second one. */
  private online: Outgoing | undefined;

  constructor(
    private readonly cfg: MqttConfig,
    private readonly gatewayId: string,
    private readonly log: Logger,
    tuning: Partial<MqttTuning> = {},
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.protocolVersion = cfg.protocol_version === 5 ? 5 : 4;
    this.rl = new RateLimitedLog(log, 60_000);
    this.announced = new AnnouncedSet(this.tuning.maxAnnounced);
    this.window = cfg.window;
    this.stopped = new Promise((resolve) => (this.stopSignal = resolve));
  }

  /** Reads credentials/TLS files (throws MqttConfigError when unusable) and starts connecting. */
  async start(cursor: LogCursor): Promise<void> {
    this.endpoint = resolveEndpoint(this.cfg, this.gatewayId, this.tuning);
    this.cursor = cursor;
    this.replayUntil = cursor.replayUntil;
    this.log.info(
      { broker: this.endpoint.broker, tls: this.endpoint.tls, protocol: this.protocolVersion, clientId: this.endpoint.connect.clientId, window: this.cfg.window },
      'mqtt sink starting',
    );
    this.connect();
    this.pump = this.pumpLoop(cursor).catch((err: Error) => {
      this.state = 'failed';
      this.lastError = `writer stopped: ${err.message}`;
      this.log.error({ err: err.message }, 'mqtt sink: writer stopped');
    });
  }

  /** Delivers pending messages for up to `drainMs`, publishes `offline`, disconnects cleanly. */
  async stop(drainMs: number): Promise<void> {
    if (this.stopping || !this.cursor) return;
    const deadline = Date.now() + drainMs;
    const cursor = this.cursor;
    // A broker that is away may come back within the budget, so wait on delivery, not on the link.
    await this.waitFor(() => this.inflight.size === 0 && cursor.backlog().messages === 0, deadline);
    this.stopping = true;
    this.stopSignal();
    this.notify();
    clearTimeout(this.reconnectTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    await this.pump;
    const conn = this.conn;
    if (conn?.up) {
      this.state = 'stopping';
      const offline = this.inflight.add({ cmd: 'publish', topic: statusTopic(this.cfg.topic_prefix, this.gatewayId), payload: Buffer.from('offline'), qos: 1, retain: true, dup: false });
      this.flush();
      // The offline notice is worth a moment even when the drain budget is spent.
      if (offline) await this.waitFor(() => offline.done || !conn.up, Math.max(deadline, Date.now() + 1000));
      if (conn.up) this.write(conn, this.protocolVersion === 5 ? { cmd: 'disconnect', reasonCode: 0 } : { cmd: 'disconnect' });
      conn.socket.end();
      const timer = setTimeout(() => conn.socket.destroy(), 1000);
      await conn.closed;
      clearTimeout(timer);
    } else if (conn) {
      conn.socket.destroy();
      await conn.closed;
    }
    this.state = 'stopped';
    this.log.info({ cursor: cursor.committed.toString(), inFlight: this.inflight.size }, 'mqtt sink stopped');
  }

  status(): SinkStatus {
    const drops: Record<string, number> = { ...(this.cursor?.drops ?? {}) };
    for (const [k, v] of Object.entries(this.ownDrops)) drops[k] = (drops[k] ?? 0) + v;
    return {
      name: this.name,
      kind: 'mqtt',
      state: this.state,
      cursor: (this.cursor?.committed ?? 0n).toString(),
      inFlight: this.inflight.size,
      backlog: this.cursor?.backlog() ?? { messages: 0, bytes: 0 },
      drops,
      reconnects: this.reconnects,
      broker: this.endpoint?.broker ?? this.cfg.url,
      protocol: this.protocolVersion === 5 ? 'mqtt5' : 'mqtt3.1.1',
      tls: this.endpoint?.tls ?? this.cfg.url.startsWith('mqtts:'),
      sessionPresent: this.sessionPresent,
      window: this.window,
      announced: this.announced.size,
      retried: this.retried,
      replayed: this.replayed,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Cuts the connection as a dead network would (no DISCONNECT, so the broker sends the will); reconnects follow. */
  dropConnection(): void {
    this.conn?.socket.destroy();
  }

  // --- connection -----------------------------------------------------------------------

  private connect(): void {
    if (this.stopping || !this.endpoint) return;
    const ep = this.endpoint;
    this.state = 'connecting';
    let socket: net.Socket;
    try {
      socket = ep.tls ? tls.connect(ep.tlsOptions) : net.connect({ host: ep.host, port: ep.port });
    } catch (err) {
      this.lastError = `${ep.broker}: ${(err as Error).message}`;
      this.state = 'disconnected';
      this.rl.warn('mqtt-connect', { broker: ep.broker, reason: this.lastError }, 'mqtt connect failed');
      this.scheduleReconnect();
      return;
    }
    socket.setNoDelay(true);
    let onClosed: () => void = () => {};
    const conn: Connection = { socket, up: false, pingOutstanding: false, closed: new Promise((r) => (onClosed = r)) };
    this.conn = conn;
    const parser = mqttParser({ protocolVersion: this.protocolVersion });
    parser.on('packet', (p: Packet) => {
      if (this.conn !== conn) return;
      conn.pingOutstanding = false;
      handlePacket(this, p);
    });
    parser.on('error', (err: Error) => this.fail(conn, `malformed packet from the broker: ${err.message}`));
    socket.once(ep.tls ? 'secureConnect' : 'connect', () => {
      if (this.conn !== conn) return;
      if (this.cfg.keepalive_s > 0) socket.setKeepAlive(true, this.cfg.keepalive_s * 1000);
      this.write(conn, ep.connect);
    });
    socket.on('data', (d: Buffer) => {
      if (this.conn === conn) parser.parse(d);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.lastError = this.describe(err);
    });
    socket.on('close', () => {
      onClosed();
      this.onClose(conn);
    });
    conn.connectTimer = setTimeout(
      () => this.fail(conn, `no CONNACK from ${ep.broker} within ${this.tuning.connectTimeoutMs} ms`),
      this.tuning.connectTimeoutMs,
    );
  }

  private describe(err: NodeJS.ErrnoException): string {
    const ep = this.endpoint!;
    const code = err.code ?? '';
    if (TLS_TRUST_CODES.has(code)) {
      return `TLS: the broker certificate of ${ep.broker} is not trusted (${code}: ${err.message}); check upstream.mqtt.ca_file and the broker's host name`;
    }
    if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS/.test(err.message)) {
      return `TLS handshake with ${ep.broker} failed (${code || 'error'}: ${err.message})`;
    }
    if (code === 'ECONNREFUSED') return `connection refused by ${ep.broker}`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${ep.host} (${code})`;
    return `${ep.broker}: ${code ? code + ' ' : ''}${err.message}`;
  }

  private fail(conn: Connection, reason: string): void {
    this.lastError = reason;
    conn.socket.destroy();
  }

  private write(conn: Connection, packet: Packet): void {
    if (conn.socket.destroyed) return;
    conn.socket.write(generate(packet, { protocolVersion: this.protocolVersion }));
  }

  private onClose(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    clearInterval(conn.pingTimer);
    if (this.conn !== conn) return;
    this.conn = undefined;
    const wasUp = conn.up;
    conn.up = false;
    this.inflight.resetForResend();
    this.notify();
    if (this.stopping) return;
    this.state = 'disconnected';
    if (wasUp) {
      this.log.warn({ broker: this.endpoint!.broker, reason: this.lastError ?? 'connection closed', inFlight: this.inflight.size }, 'mqtt connection lost');
    } else {
      this.rl.warn('mqtt-connect', { broker: this.endpoint!.broker, reason: this.lastError ?? 'connection closed' }, 'mqtt connect failed');
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { reconnectMinMs: min, reconnectMaxMs: max } = this.tuning;
    this.attempts++;
    const base = this.fatalRefusal ? max : Math.min(max, min * 2 ** Math.min(this.attempts - 1, 30));
    // Jitter in [base/2, base]: many gateways behind one broker restart must not reconnect in step.
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  // --- PacketContext (called by handlers/) ----------------------------------------------

  onConnected(sessionPresent: boolean, limits: { receiveMaximum?: number; serverKeepAlive?: number }): void {
    const conn = this.conn!;
    clearTimeout(conn.connectTimer);
    conn.up = true;
    this.state = 'connected';
    this.attempts = 0;
    this.fatalRefusal = false;
    this.lastError = undefined;
    this.sessionPresent = sessionPresent;
    if (this.connections++ > 0) this.reconnects++;
    this.rl.reset('mqtt-connect');
    // MQTT 5 brokers say how many QoS 1 publishes they take at once; exceeding it is a protocol error.
    this.window = Math.max(1, Math.min(this.cfg.window, limits.receiveMaximum ?? Infinity));
    // A new session may come with a broker that lost its retained configs: announce again.
    // Configs still in flight are resent anyway, so they stay announced.
    if (!sessionPresent) {
      this.announced.clear();
      for (const id of this.inflight.pendingAnnouncements()) this.announced.add(id);
    }
    const keepalive = limits.serverKeepAlive ?? this.cfg.keepalive_s;
    if (keepalive > 0) {
      conn.pingTimer = setInterval(() => {
        if (conn.pingOutstanding) {
          this.fail(conn, `no answer from ${this.endpoint!.broker} within the ${keepalive} s keepalive: connection dead`);
          return;
        }
        conn.pingOutstanding = true;
        this.write(conn, { cmd: 'pingreq' });
      }, keepalive * 1000);
      conn.pingTimer.unref();
    }
    this.log.info(
      { broker: this.endpoint!.broker, sessionPresent, window: this.window, resend: this.inflight.size },
      'mqtt connected',
    );
    // Availability first: HA marks our entities available before their states arrive.
    // An unacknowledged earlier notice is resent anyway; adding one per reconnect would leak ids.
    if (!this.online || this.online.done) {
      this.online = this.inflight.addFront({ cmd: 'publish', topic: statusTopic(this.cfg.topic_prefix, this.gatewayId), payload: Buffer.from('online'), qos: 1, retain: true, dup: false });
      if (!this.online) this.rl.warn('mqtt-no-id', { inFlight: this.inflight.size }, 'mqtt: no free packet id for the online notice');
    }
    this.flush();
    this.notify();
  }

  onRefused(reason: string, fatal: boolean): void {
    this.lastError = reason;
    this.fatalRefusal = fatal;
    this.log.error({ broker: this.endpoint!.broker, reason }, 'mqtt broker refused us');
    if (this.conn) this.conn.socket.destroy();
  }

  onPuback(messageId: number, refusal?: PubackRefusal): void {
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
      this.ownDrops.refused = (this.ownDrops.refused ?? 0) + 1;
      if (acked.announce) this.announced.delete(acked.announce);
      this.rl.warn('mqtt-refused', { topic: acked.packet.topic, reason: refusal.reason }, 'mqtt broker refused a publish');
    }
    if (commit !== undefined) this.cursor?.commit(commit);
    this.flush();
    this.notify();
  }

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

  onPong(): void {
    // Any packet already cleared pingOutstanding.
  }

  onUnexpected(cmd: string): void {
    this.rl.warn(`mqtt-unexpected-${cmd}`, { cmd }, 'mqtt packet not expected from the broker; ignored');
  }

  send(packet: Packet): void {
    if (this.conn?.up) this.write(this.conn, packet);
  }

  // --- pump -----------------------------------------------------------------------------

  /** Writes what the broker's window allows, oldest first. */
  private flush(): void {
    const conn = this.conn;
    if (!conn?.up) return;
    // Cork: a burst of publishes becomes one syscall instead of one per packet.
    if (!conn.corked) {
      conn.corked = true;
      conn.socket.cork();
      process.nextTick(() => {
        conn.corked = false;
        conn.socket.uncork();
      });
    }
    while (this.inflight.sent < this.window) {
      const p = this.inflight.nextToSend();
      if (!p) return;
      this.write(conn, p);
    }
  }

  private async pumpLoop(cursor: LogCursor): Promise<void> {
    const stop = this.stopped.then(() => undefined);
    for (;;) {
      // The cursor holds the backlog; we take no more than the window, and never the ids kept
      // for status publishes.
      await this.waitFor(() => this.stopping || (this.inflight.size < this.window && this.inflight.free > CONTROL_RESERVE));
      if (this.stopping) return;
      const entry = cursor.poll() ?? (await Promise.race([cursor.next(), stop]));
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

  /** Decodes an entry and picks the discovery configs it needs; undefined (counted) when undecodable. */
  private prepare(entry: LogEntry): { msg: MqttMessage; configs: DiscoveryConfig[] } | undefined {
    let msg;
    const replay = entry.seq <= this.replayUntil;
    // A previous run may have published it: consumers see `redelivery: true` (wire flag bit 2).
    const frames = replay && entry.frames.length >= 2 ? [entry.frames[0], withRedelivery(entry.frames[1]), ...entry.frames.slice(2)] : entry.frames;
    try {
      msg = toMqttMessage(frames, this.cfg.topic_prefix, this.gatewayId);
    } catch (err) {
      this.ownDrops['bad-message'] = (this.ownDrops['bad-message'] ?? 0) + 1;
      this.rl.warn('mqtt-bad-message', { seq: entry.seq.toString(), err: (err as Error).message }, 'mqtt: log entry not decodable; dropped');
      this.inflight.skip(entry.seq);
      const commit = this.inflight.advance();
      if (commit !== undefined) this.cursor?.commit(commit);
      return undefined;
    }
    if (replay) this.replayed++;
    let configs: DiscoveryConfig[] = [];
    if (this.cfg.homeassistant) {
      let budget = MAX_CONFIGS_PER_READING;
      const settings = { discoveryPrefix: this.cfg.discovery_prefix, topicPrefix: this.cfg.topic_prefix, gatewayId: this.gatewayId };
      // The gateway device first: the sensors name it as their via_device.
      const gateway = gatewayConfig(settings);
      if (this.announced.add(gateway.id)) configs.push(gateway);
      configs.push(
        ...discoveryConfigs(
          msg.wire,
          settings,
          // Ids over the budget stay unannounced, so a later reading of the device announces them.
          (id) => budget > 0 && this.announced.add(id) && budget-- > 0,
        ),
      );
    }
    return { msg, configs };
  }

  /** Queues the discovery configs, then the reading; the caller made sure the packet ids are free. */
  private enqueue(seq: bigint, msg: MqttMessage, configs: DiscoveryConfig[]): void {
    for (const c of configs) {
      this.inflight.add({ cmd: 'publish', topic: c.topic, payload: c.payload, qos: 1, retain: true, dup: false }, undefined, c.id);
    }
    const packet: Omit<IPublishPacket, 'messageId'> = { cmd: 'publish', topic: msg.topic, payload: msg.payload, qos: 1, retain: false, dup: false };
    if (!this.inflight.add(packet, seq)) {
      // Unreachable while the pump checks `free` first; counted rather than thrown all the same.
      this.ownDrops['no-packet-id'] = (this.ownDrops['no-packet-id'] ?? 0) + 1;
      this.inflight.skip(seq);
      const commit = this.inflight.advance();
      if (commit !== undefined) this.cursor?.commit(commit);
    }
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
