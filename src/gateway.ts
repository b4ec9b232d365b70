import { mkdirSync } from 'node:fs';
import type { Config } from './config/schema';
import { gatewayId } from './config/load';
import { SequenceCounter } from './core/sequence';
import type { Reading } from './core/reading';
import { MemoryLog } from './pipeline/memory-log';
import type { MessageLog } from './pipeline/message-log';
import { Pipeline } from './pipeline/pipeline';
import type { RadioAdapter } from './radios/adapter';
import { SerialModemAdapter } from './radios/lora/serial-adapter';
import { profileFor } from './radios/lora/profiles';
import { PublishSink } from './sinks/publish';
import type { Sink } from './sinks/sink';
import type { GatewayStatus } from './control/protocol';
import type { Logger } from './util/log';

export const VERSION = '0.1.0';

/** Extra wiring for tests and `demo` (emulated radios instead of configured hardware). */
export interface GatewayOverrides {
  adapters?: RadioAdapter[];
}

/**
 * The whole daemon, assembled from config: adapters → pipeline → message log → sinks.
 * `start` brings it up; `stop` takes it down within the drain bound.
 */
export class Gateway {
  readonly id: string;
  readonly pipeline: Pipeline;
  private readonly memoryLog: MemoryLog;
  private readonly adapters: RadioAdapter[] = [];
  private readonly sinks: { sink: Sink; log: MessageLog }[] = [];
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
    const seq = SequenceCounter.open(cfg.state_dir);
    this.memoryLog = new MemoryLog();
    this.pipeline = new Pipeline(
      { gatewayId: this.id, windowMs: cfg.dedup.window_ms, runGapMs: cfg.dedup.run_gap_ms, runMaxMs: cfg.dedup.run_max_ms },
      seq,
      this.memoryLog,
    );
    this.adapters.push(...(overrides.adapters ?? []));
    for (const l of cfg.lora) {
      const profile = profileFor(l.modem);
      if (!profile) throw new Error(`lora ${l.name}: unknown modem ${l.modem}`);
      const candidates = l.candidates;
      this.adapters.push(
        new SerialModemAdapter(
          { name: l.name, port: l.port, baud: l.baud, radio: l.radio, candidates: candidates ? () => candidates : undefined },
          profile,
          log,
        ),
      );
    }
    this.sinks.push({ sink: new PublishSink(cfg.upstream.publish, log), log: this.memoryLog });
  }

  /** Where accepted readings go first; adapters call it. */
  private readonly onReading = (r: Reading): void => {
    this.pipeline.accept(r);
  };

  async start(): Promise<void> {
    const p = this.cfg.upstream.publish;
    for (const { sink, log } of this.sinks) {
      const cursor = log.openCursor(sink.name, { maxMessages: p.queue_messages, maxBytes: p.queue_bytes, overflow: p.overflow });
      await sink.start(cursor);
    }
    for (const a of this.adapters) await a.start(this.onReading);
    this.pipeline.event('online', { version: VERSION });
    if (this.cfg.stats.interval_s > 0) {
      this.statsTimer = setInterval(() => this.pipeline.event('stats', this.statsBody()), this.cfg.stats.interval_s * 1000);
      this.statsTimer.unref();
    }
    this.log.info({ gateway: this.id, adapters: this.adapters.map((a) => a.name), sinks: this.sinks.map((s) => s.sink.name) }, 'gateway started');
  }

  private statsBody() {
    const s = this.status();
    return {
      uptime_s: s.uptimeS,
      readings: s.readings.total,
      per_second: s.readings.perSecond,
      drops: s.drops,
    };
  }

  async stop(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    await Promise.allSettled(this.adapters.map((a) => a.stop()));
    const drainMs = this.cfg.shutdown.drain_ms;
    await Promise.allSettled(this.sinks.map(({ sink }) => sink.stop(drainMs)));
    await this.memoryLog.close();
    this.log.info({ gateway: this.id }, 'gateway stopped');
  }

  /** Snapshot for `lowband status` and `sys/stats`. */
  status(): GatewayStatus {
    const adapters = this.adapters.map((a) => a.status());
    const sinks = this.sinks.map(({ sink }) => sink.status());
    const drops: Record<string, number> = { ...this.pipeline.drops };
    return {
      version: VERSION,
      gateway: this.id,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      uptimeS: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      seq: this.pipeline.lastSeq.toString(),
      readings: { total: this.pipeline.total, perSecond: this.pipeline.perSecond() },
      drops,
      adapters,
      sinks,
      alarms: [...this.alarms],
    };
  }

  /** The publish sink's resolved endpoints (tests bind `tcp://127.0.0.1:*`). */
  publishEndpoints(): string[] {
    const s = this.sinks.find((x) => x.sink instanceof PublishSink)?.sink as PublishSink | undefined;
    return s?.boundEndpoints() ?? [];
  }
}
