import { gatewayId } from '../config/load';
import type { Config } from '../config/schema';
import type { GatewayStatus } from '../control/protocol';
import type { Reading } from '../core/reading';
import { SequenceCounter } from '../core/sequence';
import { FanoutLog, type MessageLog } from '../pipeline/message-log';
import { Pipeline } from '../pipeline/pipeline';
import type { ReadingStage } from '../pipeline/stage';
import type { BleAdapter } from '../radios/ble/adapter';
import type { PublishSink } from '../sinks/publish';
import { RateLimitedLog, type Logger } from '../util/log';
import { assemble, type Assembly, type GatewayOverrides } from './assemble';
import { gatewayStatus, statsBody } from './status';

export const VERSION = '0.1.0';

/**
 * The whole daemon's lifecycle: parts built by `assemble` from config, started in the order
 * data needs them (spool, seq, pipeline, sink cursors, ZAP, sinks, services, adapters) and
 * stopped in reverse within the drain bound.
 */
export class Gateway {
  readonly id: string;
  /** Built in start(): the sequence counter must see the spool's highest seq first. */
  pipeline!: Pipeline;
  readonly ble: BleAdapter | undefined;
  private readonly parts: Assembly;
  private readonly startedAt = new Date();
  private statsTimer: NodeJS.Timeout | undefined;
  private seq: SequenceCounter | undefined;
  private faults = 0;
  /** Writes accepted entries to the spool file now (absent without a spool). */
  private writeAhead: (() => void) | undefined;
  /** Readings accepted in this synchronous burst, waiting for the service taps. */
  private readonly tapped: [Reading, bigint][] = [];
  private readonly rl: RateLimitedLog;

  constructor(
    readonly cfg: Config,
    readonly log: Logger,
    overrides: GatewayOverrides = {},
  ) {
    this.id = gatewayId(cfg);
    this.rl = new RateLimitedLog(log, 60_000);
    this.parts = assemble(cfg, this.id, log, { status: () => this.status() }, overrides);
    this.ble = this.parts.ble;
  }

  async start(): Promise<void> {
    const { spool, memoryLog, sinks, curve, services, adapters } = this.parts;
    await spool?.open();
    const c = this.cfg;
    // The seq file is the authority; the spool's highest seq lifts it if the file was lost.
    this.seq = SequenceCounter.open(c.state_dir, { atLeast: spool?.lastSeq() });
    const log: MessageLog = spool ? new FanoutLog([memoryLog, spool]) : memoryLog;
    // A tap hands readings out beside the cursors: the spool write comes first there too.
    this.writeAhead = log.flush?.bind(log);
    const pipeline = new Pipeline(
      { gatewayId: this.id, windowMs: c.dedup.window_ms, runGapMs: c.dedup.run_gap_ms, runMaxMs: c.dedup.run_max_ms },
      this.seq,
      log,
    );
    this.pipeline = pipeline;
    // Cursors first, so every sink sees sys/online: the first message of this run, before any
    // adapter can produce one. Its prev_seq tells a cumulative-acking backend that no seq
    // between it and this event's own will ever arrive (the counter skips ahead by whole
    // blocks across restarts).
    const cursors = sinks.map(({ sink, log, limits }) => log.openCursor(sink.name, limits));
    pipeline.event('online', { version: VERSION, prev_seq: spool ? spool.lastSeq() : undefined });
    await curve.start();
    for (const [i, { sink, startError }] of sinks.entries()) {
      try {
        await sink.start(cursors[i]);
      } catch (err) {
        throw startError ? startError(err) : err;
      }
    }
    for (const s of services) await s.start();
    for (const { adapter, stage, bindEvents, openStage } of adapters) {
      bindEvents?.((name, body) => pipeline.event(name, body));
      await openStage?.();
      await adapter.start(this.route(pipeline, stage));
    }
    if (c.stats.interval_s > 0) {
      this.statsTimer = setInterval(() => pipeline.event('stats', statsBody(this.status())), c.stats.interval_s * 1000);
      this.statsTimer.unref();
    }
    this.log.info(
      { gateway: this.id, adapters: adapters.map((a) => a.adapter.name), sinks: sinks.map((s) => s.sink.name), control: c.control.socket },
      'gateway started',
    );
  }

  /**
   * The receive callback of one adapter: its stage, then the pipeline. A fault past this point
   * is counted and logged, never thrown into a serial port's or a socket's event handler.
   */
  private route(pipeline: Pipeline, stage: ReadingStage | undefined): (r: Reading) => void {
    const tapping = this.parts.services.some((s) => s.tap !== undefined);
    const windowed = stage?.windowed === true;
    return (r) => {
      try {
        const d = stage ? stage.process(r) : r;
        if (!d) return;
        const seq = pipeline.accept(d, windowed);
        // Taps get a burst (one datagram's readings) together, after one spool write for all.
        if (seq !== undefined && tapping && this.tapped.push([d, seq]) === 1) queueMicrotask(this.deliverTaps);
      } catch (err) {
        this.faults++;
        this.rl.error('pipeline', { src: r.src, err: (err as Error).message }, 'reading dropped: pipeline fault');
      }
    };
  }

  /** Hands the readings accepted since the last call to every service tap, spool written first. */
  private readonly deliverTaps = (): void => {
    const burst = this.tapped.splice(0);
    // A tap hands readings out beside the cursors: the write-ahead rule holds there too.
    this.writeAhead?.();
    for (const s of this.parts.services) {
      if (!s.tap) continue;
      try {
        for (const [r, seq] of burst) s.tap(r, seq);
      } catch (err) {
        // The readings are accepted and logged already; only this service's view misses them.
        this.rl.error(`tap-${s.name}`, { service: s.name, err: (err as Error).message }, 'service tap failed');
      }
    }
  };

  async stop(): Promise<void> {
    const { adapters, services, sinks, memoryLog, spool, curve, lora } = this.parts;
    if (this.statsTimer) clearInterval(this.statsTimer);
    await Promise.allSettled(adapters.map((a) => a.adapter.stop()));
    for (const a of adapters) a.closeStage?.();
    await Promise.allSettled(services.map((s) => s.stop()));
    const drainMs = this.cfg.shutdown.drain_ms;
    await Promise.allSettled(sinks.map(({ sink }) => sink.stop(drainMs)));
    await memoryLog.close();
    await spool?.close();
    await curve.stop();
    lora.close();
    this.log.info({ gateway: this.id }, 'gateway stopped');
  }

  /** SIGHUP: re-read what can change without a restart (the CURVE allow-list). */
  async reload(): Promise<void> {
    await this.parts.curve.reloadAllowList();
  }

  /** Snapshot for `lowband status` and `sys/stats`. */
  status(): GatewayStatus {
    return gatewayStatus({
      version: VERSION,
      id: this.id,
      startedAt: this.startedAt,
      parts: this.parts,
      pipeline: this.pipeline,
      seq: this.seq,
      spoolMaxBytes: this.cfg.spool.max_bytes,
      faults: this.faults,
    });
  }

  /** The publish sink's resolved endpoints (tests bind `tcp://127.0.0.1:*`). */
  publishEndpoints(): string[] {
    const s = this.parts.sinks.find((x) => x.sink.name === 'publish')?.sink as PublishSink | undefined;
    return s?.boundEndpoints() ?? [];
  }
}
