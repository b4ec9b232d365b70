import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gatewayId } from './config/load';
import type { Config } from './config/schema';
import { ConfigError } from './config/validate';
import { ControlServer } from './control/server';
import type { GatewayServices, GatewayStatus } from './control/protocol';
import type { Reading } from './core/reading';
import { SequenceCounter } from './core/sequence';
import { MemoryLog } from './pipeline/memory-log';
import type { MessageLog } from './pipeline/message-log';
import { Pipeline } from './pipeline/pipeline';
import type { RadioAdapter } from './radios/adapter';
import { BleAdapter } from './radios/ble/adapter';
import type { HciSocketLike } from './radios/ble/noble-loader';
import { LoraFrameDecoder } from './radios/lora/lorawan/decoder';
import { profileFor } from './radios/lora/profiles';
import { SerialModemAdapter } from './radios/lora/serial-adapter';
import { SemtechUdpAdapter } from './radios/udp/adapter';
import { PublishSink } from './sinks/publish';
import type { Sink } from './sinks/sink';
import type { Logger } from './util/log';

export const VERSION = '0.1.0';

/** Extra wiring for tests and `demo` (emulated radios instead of configured hardware). */
export interface GatewayOverrides {
  adapters?: RadioAdapter[];
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
  readonly pipeline: Pipeline;
  readonly ble: BleAdapter | undefined;
  private readonly memoryLog: MemoryLog;
  private readonly lora: LoraFrameDecoder;
  private readonly adapters: { adapter: RadioAdapter; emit: (r: Reading) => void }[] = [];
  private readonly sinks: { sink: Sink; log: MessageLog }[] = [];
  private readonly control: ControlServer;
  private readonly startedAt = new Date();
  private statsTimer: NodeJS.Timeout | undefined;
  private readonly alarms: string[] = [];

  constructor(
    readonly cfg: Config,
    readonly log: Logger,
    overrides: GatewayOverrides = {},
  ) {
    this.id = gatewayId(cfg);
    mkdirSync(cfg.state_dir, { recursive: true });
    try {
      this.lora = new LoraFrameDecoder(cfg.lorawan, { logger: log, baseDir: overrides.configDir });
    } catch (err) {
      throw new ConfigError('lorawan.devices[].codec', undefined, `a usable codec (${(err as Error).message})`);
    }
    this.memoryLog = new MemoryLog();
    this.pipeline = new Pipeline(
      { gatewayId: this.id, windowMs: cfg.dedup.window_ms, runGapMs: cfg.dedup.run_gap_ms, runMaxMs: cfg.dedup.run_max_ms },
      SequenceCounter.open(cfg.state_dir),
      this.memoryLog,
    );

    const accept = (r: Reading) => void this.pipeline.accept(r);
    // P2P modems hear LoRaWAN only when a configured device transmits on their channel;
    // concentrators hear nothing but LoRaWAN.
    const loraFromModem = (r: Reading) => {
      const d = this.lora.decode(r, false);
      if (d) this.pipeline.accept(d);
    };
    const loraFromConcentrator = (r: Reading) => {
      const d = this.lora.decode(r, true);
      if (d) this.pipeline.accept(d);
    };

    for (const a of overrides.adapters ?? []) this.adapters.push({ adapter: a, emit: accept });
    for (const l of cfg.lora) {
      const profile = profileFor(l.modem);
      if (!profile) throw new ConfigError(`lora.${l.name}.modem`, l.modem, 'a known modem');
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
      this.ble = new BleAdapter({ config: cfg.ble, stateDir: cfg.state_dir, log, socket: overrides.bleSocket });
      this.adapters.push({ adapter: this.ble, emit: accept });
    }

    this.sinks.push({ sink: new PublishSink(cfg.upstream.publish, log), log: this.memoryLog });

    const services: GatewayServices = { status: () => this.status(), ble: this.ble };
    const socketPath = resolve(cfg.control.socket);
    mkdirSync(dirname(socketPath), { recursive: true });
    this.control = new ControlServer(socketPath, services, log);
  }

  async start(): Promise<void> {
    const p = this.cfg.upstream.publish;
    for (const { sink, log } of this.sinks) {
      const cursor = log.openCursor(sink.name, { maxMessages: p.queue_messages, maxBytes: p.queue_bytes, overflow: p.overflow });
      await sink.start(cursor);
    }
    await this.control.start();
    for (const { adapter, emit } of this.adapters) await adapter.start(emit);
    this.pipeline.event('online', { version: VERSION });
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
    await Promise.allSettled(this.adapters.map((a) => a.adapter.stop()));
    await this.control.stop().catch(() => undefined);
    const drainMs = this.cfg.shutdown.drain_ms;
    await Promise.allSettled(this.sinks.map(({ sink }) => sink.stop(drainMs)));
    await this.memoryLog.close();
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
      drops: { ...this.pipeline.drops },
      adapters: this.adapters.map((a) => a.adapter.status()),
      sinks: this.sinks.map(({ sink }) => sink.status()),
      decoders: { lorawan: { ...this.lora.counters } },
      alarms: [...this.alarms],
    };
  }

  /** The publish sink's resolved endpoints (tests bind `tcp://127.0.0.1:*`). */
  publishEndpoints(): string[] {
    const s = this.sinks.find((x) => x.sink instanceof PublishSink)?.sink as PublishSink | undefined;
    return s?.boundEndpoints() ?? [];
  }
}
