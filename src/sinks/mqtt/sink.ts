/**
 * The MQTT sink: QoS 1 publishes of every log entry to one broker over a raw net/tls socket with
 * mqtt-packet. The cursor is committed only on PUBACK, so with a durable log nothing is lost
 * across broker restarts, network cuts or our own restarts; consumers drop duplicates by `key`.
 * Assembled from three pieces that each own their state: BrokerConnection (transport, keepalive,
 * reconnect), PublishPump (cursor → PUBLISH → PUBACK → commit) and DiscoveryAnnouncer (Home
 * Assistant configs).
 */
import type { LogCursor } from '../../pipeline/message-log';
import { RateLimitedLog, type Logger } from '../../util/log';
import { sinkDrops, type Sink, type SinkStatus } from '../sink';
import { DiscoveryAnnouncer } from './announcer';
import { BrokerConnection } from './connection';
import { DEFAULT_TUNING, resolveEndpoint, type MqttConfig, type MqttEndpoint, type MqttTuning } from './options';
import { statusTopic } from './payload';
import { PublishPump } from './pump';

export { CONTROL_RESERVE } from './pump';
export { MAX_CONFIGS_PER_READING } from './announcer';

/** The pieces that exist once `start` has read the endpoint's files. */
interface Running {
  endpoint: MqttEndpoint;
  cursor: LogCursor;
  connection: BrokerConnection;
  pump: PublishPump;
  announcer?: DiscoveryAnnouncer;
  loop: Promise<void>;
}

/** MQTT upstream (wire spec section 2.3). */
export class MqttSink implements Sink {
  readonly name = 'mqtt';
  readonly protocolVersion: 4 | 5;
  private readonly tuning: MqttTuning;
  private readonly rl: RateLimitedLog;
  private run: Running | undefined;
  /** Set when the writer loop died (a bug): shown in status instead of the link state. */
  private failure: string | undefined;
  private stopping = false;

  constructor(
    private readonly cfg: MqttConfig,
    private readonly gatewayId: string,
    private readonly log: Logger,
    tuning: Partial<MqttTuning> = {},
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.protocolVersion = cfg.protocol_version === 5 ? 5 : 4;
    this.rl = new RateLimitedLog(log, 60_000);
  }

  /** Reads credentials/TLS files (throws MqttConfigError when unusable) and starts connecting. */
  async start(cursor: LogCursor): Promise<void> {
    const endpoint = resolveEndpoint(this.cfg, this.gatewayId, this.tuning);
    const cfg = this.cfg;
    const status = statusTopic(cfg.topic_prefix, this.gatewayId);
    const announcer = cfg.homeassistant
      ? new DiscoveryAnnouncer(
          { discoveryPrefix: cfg.discovery_prefix, topicPrefix: cfg.topic_prefix, gatewayId: this.gatewayId, announceBeacons: cfg.announce_beacons },
          this.tuning.maxAnnounced,
        )
      : undefined;
    // The pump writes through the connection; the connection reports to the pump. Neither holds the other's state.
    let connection!: BrokerConnection;
    const link = { get up() { return connection.up; }, send: (p: Parameters<BrokerConnection['send']>[0]) => connection.send(p), batch: () => connection.batch() };
    const pump = new PublishPump(
      { topicPrefix: cfg.topic_prefix, gatewayId: this.gatewayId, statusTopic: status, window: cfg.window },
      link,
      announcer,
      this.tuning,
      this.log,
      this.rl,
    );
    connection = new BrokerConnection(endpoint, this.protocolVersion, cfg.keepalive_s, this.tuning, this.log, this.rl, pump);
    this.log.info(
      { broker: endpoint.broker, tls: endpoint.tls, protocol: this.protocolVersion, clientId: endpoint.connect.clientId, window: cfg.window },
      'mqtt sink starting',
    );
    connection.connect();
    const loop = pump.run(cursor).catch((err: Error) => {
      this.failure = `writer stopped: ${err.message}`;
      this.log.error({ err: err.message }, 'mqtt sink: writer stopped');
    });
    this.run = { endpoint, cursor, connection, pump, announcer, loop };
  }

  /** Delivers pending messages for up to `drainMs`, publishes `offline`, disconnects cleanly. */
  async stop(drainMs: number): Promise<void> {
    const r = this.run;
    if (this.stopping || !r) return;
    const deadline = Date.now() + drainMs;
    // A broker that is away may come back within the budget, so wait on delivery, not on the link.
    await r.pump.drained(deadline);
    this.stopping = true;
    r.pump.stop();
    r.connection.stopReconnecting();
    await r.loop;
    // The offline notice is worth a moment even when the drain budget is spent.
    await r.pump.offline(Math.max(deadline, Date.now() + 1000));
    await r.connection.close();
    this.log.info({ cursor: r.cursor.committed.toString(), inFlight: r.pump.inflight.size }, 'mqtt sink stopped');
  }

  status(): SinkStatus {
    const r = this.run;
    const drops = sinkDrops(r?.cursor, r?.pump.drops);
    const c = r?.connection;
    const lastError = this.failure ?? c?.lastError;
    return {
      name: this.name,
      kind: 'mqtt',
      state: this.failure ? 'failed' : this.stopping && c?.state !== 'stopped' ? 'stopping' : c?.state ?? 'stopped',
      cursor: (r?.cursor.committed ?? 0n).toString(),
      inFlight: r?.pump.inflight.size ?? 0,
      backlog: r?.cursor.backlog() ?? { messages: 0, bytes: 0 },
      drops,
      reconnects: c?.reconnects ?? 0,
      broker: r?.endpoint.broker ?? this.cfg.url,
      protocol: this.protocolVersion === 5 ? 'mqtt5' : 'mqtt3.1.1',
      tls: r?.endpoint.tls ?? this.cfg.url.startsWith('mqtts:'),
      sessionPresent: c?.sessionPresent ?? false,
      window: r?.pump.window ?? this.cfg.window,
      announced: r?.announcer?.size ?? 0,
      retried: r?.pump.retried ?? 0,
      replayed: r?.pump.replayed ?? 0,
      ...(lastError ? { lastError } : {}),
    };
  }

  /** Cuts the connection as a dead network would (no DISCONNECT, so the broker sends the will); reconnects follow. */
  dropConnection(): void {
    this.run?.connection.drop();
  }
}
