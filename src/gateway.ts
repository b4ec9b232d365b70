import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createEmulatedBle, type EmulatedBle } from '../hardware/emulators/ble';
import { gatewayId } from './config/load';
import type { Config } from './config/schema';
import { ConfigError } from './config/validate';
import { ControlServer } from './control/server';
import type { GatewayServices, GatewayStatus } from './control/protocol';
import type { Reading } from './core/reading';
import { SequenceCounter } from './core/sequence';
import { MemoryLog } from './pipeline/memory-log';
import { FanoutLog, type CursorLimits, type MessageLog } from './pipeline/message-log';
import { Pipeline } from './pipeline/pipeline';
import type { RadioAdapter } from './radios/adapter';
import { BleAdapter } from './radios/ble/adapter';
import type { HciSocketLike } from './radios/ble/noble-loader';
import { LoraFrameDecoder } from './radios/lora/lorawan/decoder';
import { profileFor } from './radios/lora/profiles';
import { SerialModemAdapter } from './radios/lora/serial-adapter';
import { SemtechUdpAdapter } from './radios/udp/adapter';
import { readAllowList, publicKeyFromSecret, startZap, applyCurve, isZ85Key, type ZapHandler } from './security';
import { MqttConfigError, MqttSink } from './sinks/mqtt';
import { NatsConfigError, NatsSink } from './sinks/nats';
import { PublishSink } from './sinks/publish';
import { ReliableSink } from './sinks/reliable';
import type { Sink } from './sinks/sink';
import { Spool } from './spool';
import { RateLimitedLog, type Logger } from './util/log';

export const VERSION = '0.1.0';

/** Extra wiring for tests and `demo` (emulated radios instead of configured hardware). */
export interface GatewayOverrides {
  /** Run the BLE adapter's noble on this (emulated) HCI socket. */
  bleSocket?: HciSocketLike;
  /** Directory relative codec paths are resolved against (default: the config file's). */
  configDir?: string;
}

/**
 * The whole daemon, assembled from config: adapters → LoRa decoding → pipeline → message
 * log → sinks, plus the local control socket. `start` brings it up; `stop` takes it down
 * within the drain bound.
 */
export class Gateway {
  readonly id: string;
  /** Built in start(): the sequence counter must see the spool's highest seq first. */
  pipeline!: Pipeline;
  readonly ble: BleAdapter | undefined;
  private readonly bleEmulator: EmulatedBle | undefined;
  private readonly memoryLog: MemoryLog;
  /** Durable log for sinks that must not lose anything (reliable, MQTT); absent when none is configured. */
  private readonly spool: Spool | undefined;
  private zap: ZapHandler | undefined;
  private readonly lora: LoraFrameDecoder;
  private readonly adapters: { adapter: RadioAdapter; emit: (r: Reading) => void }[] = [];
  private readonly sinks: { sink: Sink; log: MessageLog; limits: CursorLimits }[] = [];
  private readonly curveKeys: { secretKey: string; publicKey: string } | undefined;
  private readonly control: ControlServer;
  private readonly startedAt = new Date();
  private statsTimer: NodeJS.Timeout | undefined;
  private seq: SequenceCounter | undefined;
  private faults = 0;
  private readonly rl: RateLimitedLog;

  constructor(
    readonly cfg: Config,
    readonly log: Logger,
    overrides: GatewayOverrides = {},
  ) {
    this.id = gatewayId(cfg);
    this.rl = new RateLimitedLog(log, 60_000);
    mkdirSync(cfg.state_dir, { recursive: true });
    try {
      this.lora = new LoraFrameDecoder(cfg.lorawan, { logger: log, baseDir: overrides.configDir, stateDir: cfg.state_dir });
    } catch (err) {
      throw new ConfigError('lorawan.devices[].codec', undefined, `a usable codec (${(err as Error).message})`);
    }
    this.memoryLog = new MemoryLog();
    const up = cfg.upstream;
    if (up.reliable || up.mqtt || up.nats) {
      this.spool = new Spool({
        dir: join(cfg.state_dir, 'spool'),
        maxBytes: cfg.spool.max_bytes,
        fsyncMs: cfg.spool.fsync_ms,
        segmentBytes: cfg.spool.segment_bytes,
        logger: log,
      });
    }
    this.curveKeys = loadCurveKeys(cfg);

    // Adapters call these from their receive callbacks: a fault past this point is counted and
    // logged, never thrown into a serial port's or a socket's event handler.
    const guarded = (fn: (r: Reading) => void) => (r: Reading) => {
      try {
        fn(r);
      } catch (err) {
        this.faults++;
        this.rl.error('pipeline', { src: r.src, err: (err as Error).message }, 'reading dropped: pipeline fault');
      }
    };
    const accept = guarded((r) => void this.pipeline.accept(r));
    // P2P modems hear LoRaWAN only when a configured device transmits on their channel;
    // concentrators hear nothing but LoRaWAN.
    const lora = (assumeLorawan: boolean) =>
      guarded((r) => {
        if (this.pipeline.heardRecently(r.raw, r.timeUs)) return;
        const d = this.lora.decode(r, assumeLorawan);
        if (d) this.pipeline.accept(d);
      });
    const loraFromModem = lora(false);
    const loraFromConcentrator = lora(true);

    for (const [i, l] of cfg.lora.entries()) {
      const profile = profileFor(l.modem);
      if (!profile) throw new ConfigError(`lora[${i}].modem`, l.modem, 'a known modem');
      const candidates = l.candidates;
      const adapter = new SerialModemAdapter(
        { name: l.name, port: l.port, baud: l.baud, radio: l.radio, candidates: candidates ? () => candidates : undefined },
        profile,
        log,
      );
      this.adapters.push({ adapter, emit: loraFromModem });
    }
    for (const u of cfg.udp) {
      const adapter = new SemtechUdpAdapter(u, { logger: log });
      adapter.onStat = (gatewayEui, stat) => {
        this.pipeline.event('lora_gateway_stat', { eui: gatewayEui, stat: JSON.parse(JSON.stringify(stat)) });
      };
      this.adapters.push({ adapter, emit: loraFromConcentrator });
    }
    if (cfg.ble.enabled) {
      let socket = overrides.bleSocket;
      if (!socket && cfg.ble.emulate) {
        this.bleEmulator = createEmulatedBle({ intervalMs: 250 });
        socket = this.bleEmulator.socket;
        log.warn('ble.emulate: playing emulated sensors instead of a Bluetooth adapter');
      }
      this.ble = new BleAdapter({ config: cfg.ble, stateDir: cfg.state_dir, log, socket });
      this.adapters.push({ adapter: this.ble, emit: accept });
    }

    this.sinks.push({
      sink: new PublishSink(cfg.upstream.publish, log, (socket) => this.secureServer(socket)),
      log: this.memoryLog,
      limits: { maxMessages: up.publish.queue_messages, maxBytes: up.publish.queue_bytes, overflow: up.publish.overflow },
    });
    // Durable sinks read the spool; their cursor limit is the spool's own bound.
    const durable = { maxMessages: Number.MAX_SAFE_INTEGER, maxBytes: cfg.spool.max_bytes, overflow: 'drop-oldest' as const };
    if (up.reliable && this.spool) {
      this.sinks.push({
        sink: new ReliableSink({
          connect: up.reliable.connect,
          window: up.reliable.window,
          ackTimeoutMs: up.reliable.ack_timeout_ms,
          logger: log,
          ...this.curveClientOptions(),
        }),
        log: this.spool,
        limits: durable,
      });
    }
    if (up.mqtt && this.spool) {
      this.sinks.push({ sink: new MqttSink(up.mqtt, this.id, log), log: this.spool, limits: durable });
    }
    if (up.nats && this.spool) {
      this.sinks.push({ sink: new NatsSink(up.nats, this.id, log), log: this.spool, limits: durable });
    }

    const services: GatewayServices = { status: () => this.status(), ble: this.ble };
    const socketPath = resolve(cfg.control.socket);
    mkdirSync(dirname(socketPath), { recursive: true });
    this.control = new ControlServer(socketPath, services, log);
  }

  async start(): Promise<void> {
    await this.spool?.open();
    const c = this.cfg;
    // The seq file is the authority; the spool's highest seq lifts it if the file was lost.
    this.seq = SequenceCounter.open(c.state_dir, { atLeast: this.spool?.lastSeq() });
    this.pipeline = new Pipeline(
      { gatewayId: this.id, windowMs: c.dedup.window_ms, runGapMs: c.dedup.run_gap_ms, runMaxMs: c.dedup.run_max_ms },
      this.seq,
      this.spool ? new FanoutLog([this.memoryLog, this.spool]) : this.memoryLog,
    );
    // Cursors first, so every sink sees sys/online: the first message of this run, before any
    // adapter can produce one. Its prev_seq tells a cumulative-acking backend that no seq
    // between it and this event's own will ever arrive (the counter skips ahead by whole
    // blocks across restarts).
    const cursors = this.sinks.map(({ sink, log, limits }) => log.openCursor(sink.name, limits));
    this.pipeline.event('online', { version: VERSION, prev_seq: this.spool ? this.spool.lastSeq() : undefined });
    await this.startZap();
    for (const [i, { sink }] of this.sinks.entries()) {
      try {
        await sink.start(cursors[i]);
      } catch (err) {
        // Files the config names (password, TLS) turn out unusable: a config error, exit 2.
        if (err instanceof MqttConfigError) throw new ConfigError('upstream.mqtt', undefined, '', err.message);
        if (err instanceof NatsConfigError) throw new ConfigError(err.key, undefined, '', err.message);
        throw err;
      }
    }
    await this.control.start();
    for (const { adapter, emit } of this.adapters) await adapter.start(emit);
    this.bleEmulator?.start();
    if (this.cfg.stats.interval_s > 0) {
      this.statsTimer = setInterval(() => this.pipeline.event('stats', this.statsBody()), this.cfg.stats.interval_s * 1000);
      this.statsTimer.unref();
    }
    this.log.info(
      { gateway: this.id, adapters: this.adapters.map((a) => a.adapter.name), sinks: this.sinks.map((s) => s.sink.name), control: this.cfg.control.socket },
      'gateway started',
    );
  }

  private statsBody() {
    const s = this.status();
    return {
      uptime_s: s.uptimeS,
      readings: s.readings.total,
      per_second: s.readings.perSecond,
      drops: s.drops,
      adapters: Object.fromEntries(s.adapters.map((a) => [a.name, { state: a.state, received: a.received, drops: a.drops }])),
      sinks: Object.fromEntries(s.sinks.map((k) => [k.name, { state: k.state, backlog: k.backlog.messages, drops: k.drops }])),
    };
  }

  async stop(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.bleEmulator?.stop();
    await Promise.allSettled(this.adapters.map((a) => a.adapter.stop()));
    await this.control.stop().catch(() => undefined);
    const drainMs = this.cfg.shutdown.drain_ms;
    await Promise.allSettled(this.sinks.map(({ sink }) => sink.stop(drainMs)));
    await this.memoryLog.close();
    await this.spool?.close();
    await this.zap?.stop();
    this.lora.close();
    this.log.info({ gateway: this.id }, 'gateway stopped');
  }

  /** Snapshot for `lowband status` and `sys/stats`. */
  status(): GatewayStatus {
    return {
      version: VERSION,
      gateway: this.id,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      uptimeS: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      seq: this.pipeline.lastSeq.toString(),
      readings: { total: this.pipeline.total, perSecond: this.pipeline.perSecond() },
      drops: this.faults > 0 ? { ...this.pipeline.drops, pipeline_fault: this.faults } : { ...this.pipeline.drops },
      adapters: this.adapters.map((a) => a.adapter.status()),
      sinks: this.sinks.map(({ sink }) => this.sinkStatus(sink)),
      spool: this.spool ? { ...this.spool.status(), maxBytes: this.cfg.spool.max_bytes } : undefined,
      decoders: { lorawan: { ...this.lora.counters } },
      alarms: this.currentAlarms(),
    };
  }

  private sinkStatus(sink: Sink) {
    const st = sink.status();
    if (sink instanceof PublishSink && this.zap) st.curve = { allowed: this.zap.allowed(), refused: this.zap.refused() };
    return st;
  }

  /** Conditions a person should look at, derived from the parts' own state. */
  private currentAlarms(): string[] {
    const alarms: string[] = [];
    const seqAlarm = this.seq?.alarm;
    if (seqAlarm) alarms.push(`seq: ${seqAlarm}`);
    const spoolAlarm = this.spool?.status().alarm;
    if (spoolAlarm) alarms.push(`spool: ${spoolAlarm}`);
    // A sink that cannot deliver (e.g. NATS stream unusable, credentials refused) says why.
    for (const { sink } of this.sinks) {
      const alarm = sink.status().alarm;
      if (typeof alarm === 'string') alarms.push(`${sink.name}: ${alarm}`);
    }
    for (const { adapter } of this.adapters) {
      const a = adapter.status();
      if (a.state === 'degraded') alarms.push(`${a.name}: ${a.detail ?? 'degraded'}`);
    }
    return alarms;
  }

  /** Start the ZAP allow-list before any CURVE server socket binds. */
  private async startZap(): Promise<void> {
    const c = this.cfg.upstream.curve;
    const p = this.cfg.upstream.publish;
    if (!c || !this.curveKeys || p.bind.length + p.connect.length === 0) return;
    if (!c.allowed_clients_file) {
      // Without a ZAP handler libzmq accepts every client key: refuse to run open.
      throw new ConfigError('upstream.curve.allowed_clients_file', undefined, 'a file of allowed client public keys (one Z85 key per line)');
    }
    let allow: Set<string>;
    try {
      allow = await readAllowList(c.allowed_clients_file);
    } catch (err) {
      throw new ConfigError('upstream.curve.allowed_clients_file', c.allowed_clients_file, `a readable allow list (${(err as Error).message})`);
    }
    this.zap = await startZap(allow, this.log);
    this.log.info({ allowed: allow.size, publicKey: this.curveKeys.publicKey }, 'CurveZMQ on: ZAP allow-list active');
  }

  private secureServer(socket: Parameters<typeof applyCurve>[0]): void {
    if (this.curveKeys) applyCurve(socket, 'server', { secretKey: this.curveKeys.secretKey });
  }

  private curveClientOptions() {
    const c = this.cfg.upstream.curve;
    if (!c || !this.curveKeys) return {};
    if (!c.server_key) throw new ConfigError('upstream.curve.server_key', undefined, "the backend's Z85 public key (needed by upstream.reliable)");
    return { curveServerKey: c.server_key, curvePublicKey: this.curveKeys.publicKey, curveSecretKey: this.curveKeys.secretKey };
  }


  /** The publish sink's resolved endpoints (tests bind `tcp://127.0.0.1:*`). */
  publishEndpoints(): string[] {
    const s = this.sinks.find((x) => x.sink instanceof PublishSink)?.sink as PublishSink | undefined;
    return s?.boundEndpoints() ?? [];
  }
}

/** The gateway's CURVE key pair from `upstream.curve.secret_key_file` (the public half is derived). */
function loadCurveKeys(cfg: Config): { secretKey: string; publicKey: string } | undefined {
  const c = cfg.upstream.curve;
  if (!c) return undefined;
  let text: string;
  try {
    text = readFileSync(c.secret_key_file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError('upstream.curve.secret_key_file', c.secret_key_file, `a readable key file (${(err as NodeJS.ErrnoException).code ?? 'error'}); make one with "lowband keys generate"`);
  }
  // Never echo the content: it is a secret.
  if (!isZ85Key(text)) throw new ConfigError('upstream.curve.secret_key_file', c.secret_key_file, 'a file holding one 40-character Z85 secret key');
  return { secretKey: text, publicKey: publicKeyFromSecret(text) };
}
