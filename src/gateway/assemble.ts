import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema';
import type { Reading } from '../core/reading';
import { ConfigError } from '../config/validate';
import { ControlServer } from '../control/server';
import type { GatewayServices } from '../control/protocol';
import { LoraStage } from '../pipeline/lora-stage';
import { MemoryLog } from '../pipeline/memory-log';
import type { CursorLimits, MessageLog } from '../pipeline/message-log';
import type { ReadingStage } from '../pipeline/stage';
import type { RadioAdapter } from '../radios/adapter';
import type { BleAdapter } from '../radios/ble/adapter';
import type { BlePairings } from '../radios/ble/pairings';
import type { BleStage } from '../pipeline/ble-stage';
import type { HciSocketLike } from '../radios/ble/noble-loader';
import { LoraFrameDecoder } from '../radios/lora/lorawan/decoder';
import { SemtechUdpAdapter } from '../radios/udp/adapter';
import type { CurveSetup } from '../security/curve-setup';
import { PublishSink } from '../sinks/publish';
import type { Sink } from '../sinks/sink';
import type { Spool } from '../spool';
import type { CborValue } from '../wire/cbor';
import type { Logger } from '../util/log';

/** Extra wiring for tests and `demo` (emulated radios instead of configured hardware). */
export interface GatewayOverrides {
  /** Run the BLE adapter's noble on this (emulated) HCI socket: the one way to inject the BLE emulator. */
  bleSocket?: HciSocketLike;
  /** Directory relative codec paths are resolved against (default: the config file's). */
  configDir?: string;
}

/** Where an adapter's gateway events go (`sys/<name>`), bound once the pipeline exists. */
export type EventSink = (name: string, body: Record<string, CborValue | undefined>) => void;

/** One radio adapter and the decoding stage between it and the pipeline (none: it decodes itself). */
export interface AdapterEntry {
  adapter: RadioAdapter;
  stage?: ReadingStage;
  /** Loads the stage's state before the adapter starts (BLE: pairings, then replay counters). */
  openStage?(): Promise<void>;
  /** Writes the stage's state once the adapter has stopped. */
  closeStage?(): void;
  /** Connects the adapter's own events (concentrator stats) to the pipeline. */
  bindEvents?(event: EventSink): void;
}

/** One upstream sink, the log it reads and the bound of its cursor. */
export interface SinkEntry {
  sink: Sink;
  log: MessageLog;
  limits: CursorLimits;
  /** Turns an error of the sink's start() into a config error where it is one (unusable files). */
  startError?(err: unknown): unknown;
}

// Modules of parts that are not configured are not loaded (serialport, mqtt-packet and noble
// cost several MB each of a Pi's RSS): these requires run only when a builder needs them.
/* eslint-disable @typescript-eslint/no-var-requires */
const lazy = {
  mqtt: () => require('../sinks/mqtt') as typeof import('../sinks/mqtt'),
  nats: () => require('../sinks/nats') as typeof import('../sinks/nats'),
  reliable: () => require('../sinks/reliable') as typeof import('../sinks/reliable'),
  serial: () => require('../radios/lora/serial-adapter') as typeof import('../radios/lora/serial-adapter'),
  ble: () => require('../radios/ble/adapter') as typeof import('../radios/ble/adapter'),
  bleStage: () => require('../pipeline/ble-stage') as typeof import('../pipeline/ble-stage'),
  blePairings: () => require('../radios/ble/pairings') as typeof import('../radios/ble/pairings'),
  spool: () => require('../spool') as typeof import('../spool'),
  curve: () => require('../security/curve-setup') as typeof import('../security/curve-setup'),
  profiles: () => require('../radios/lora/profiles') as typeof import('../radios/lora/profiles'),
  web: () => require('../web') as typeof import('../web'),
};

/** Something besides sinks that runs beside the pipeline (the control socket, a web page). */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Sees every reading the pipeline accepted, with its seq (a live page); must not throw or block. */
  tap?(reading: Reading, seq: bigint): void;
  /** The service's own figures, shown in the status document under its name. */
  status?(): object;
}

/** Every part of a gateway, built from config and not yet started. */
export interface Assembly {
  memoryLog: MemoryLog;
  /** Durable log for sinks that must not lose anything; absent when none is configured. */
  spool?: Spool;
  lora: LoraStage;
  /** The BLE adapter (the control API's BLE side); its stage is in its adapter entry. */
  ble?: BleAdapter;
  curve: SocketSecurity;
  adapters: AdapterEntry[];
  sinks: SinkEntry[];
  services: Service[];
}

/** What a sink builder may use. */
export interface SinkContext {
  cfg: Config;
  id: string;
  log: Logger;
  curve: SocketSecurity;
}

/** What the gateway and the sinks use of the CURVE policy. */
export type SocketSecurity = Pick<CurveSetup, 'secureServer' | 'clientOptions' | 'start' | 'reloadAllowList' | 'status' | 'alarm' | 'stop'>;

/** Without `upstream.curve`: plain sockets, and none of the CURVE/ZAP modules loaded. */
const PLAIN_SOCKETS: SocketSecurity = {
  secureServer: () => undefined,
  clientOptions: () => ({}),
  start: async () => undefined,
  reloadAllowList: async () => false,
  status: () => undefined,
  alarm: undefined,
  stop: async () => undefined,
};

/**
 * The upstream sinks, in start order. `durable` sinks read the spool (created only when one of
 * them is configured); the others read the memory log with `limits`. Adding a sink is one row.
 */
export const SINKS: {
  name: string;
  enabled(cfg: Config): boolean;
  durable: boolean;
  limits?(cfg: Config): CursorLimits;
  build(ctx: SinkContext): Sink;
  startError?(err: unknown): unknown;
}[] = [
  {
    name: 'publish',
    enabled: () => true,
    durable: false,
    limits: ({ upstream: { publish: p } }) => ({ maxMessages: p.queue_messages, maxBytes: p.queue_bytes, overflow: p.overflow }),
    build: ({ cfg, log, curve }) => new PublishSink(cfg.upstream.publish, log, curve.secureServer),
  },
  {
    name: 'reliable',
    enabled: (cfg) => cfg.upstream.reliable !== undefined,
    durable: true,
    build: ({ cfg, log, curve }) => {
      const r = cfg.upstream.reliable!;
      return new (lazy.reliable().ReliableSink)({ connect: r.connect, window: r.window, ackTimeoutMs: r.ack_timeout_ms, logger: log, ...curve.clientOptions() });
    },
  },
  {
    name: 'mqtt',
    enabled: (cfg) => cfg.upstream.mqtt !== undefined,
    durable: true,
    build: ({ cfg, id, log }) => new (lazy.mqtt().MqttSink)(cfg.upstream.mqtt!, id, log),
    // Files the config names (password, TLS) turn out unusable: a config error, exit 2.
    startError: (err) => (err instanceof lazy.mqtt().MqttConfigError ? new ConfigError('upstream.mqtt', undefined, '', err.message) : err),
  },
  {
    name: 'nats',
    enabled: (cfg) => cfg.upstream.nats !== undefined,
    durable: true,
    build: ({ cfg, id, log }) => new (lazy.nats().NatsSink)(cfg.upstream.nats!, id, log),
    // Credential or TLS files the config names turn out unusable: a config error, exit 2.
    startError: (err) => (err instanceof lazy.nats().NatsConfigError ? new ConfigError(err.key, undefined, '', err.message) : err),
  },
];

/** What a service builder may use: the config and what the control API reaches. */
export interface ServiceContext {
  cfg: Config;
  log: Logger;
  services: GatewayServices;
}

/**
 * Services besides the sinks, in start order (after the sinks, before the adapters; stopped
 * after the adapters). Adding one (a web page) is one row.
 */
export const SERVICES: { name: string; enabled(cfg: Config): boolean; build(ctx: ServiceContext): Service }[] = [
  {
    name: 'control',
    enabled: () => true,
    build: ({ cfg, log, services }) => {
      const socketPath = resolve(cfg.control.socket);
      mkdirSync(dirname(socketPath), { recursive: true });
      const control = new ControlServer(socketPath, services, log);
      return { name: 'control', start: () => control.start(), stop: () => control.stop(), status: () => control.status() };
    },
  },
  {
    // The status page and /metrics (`web.bind`): every accepted reading reaches its tap.
    name: 'web',
    enabled: (cfg) => !!cfg.web.bind,
    build: ({ cfg, log, services }) => {
      const web = new (lazy.web().WebServer)(cfg.web, services, log);
      return { name: 'web', start: () => web.start(), stop: () => web.stop().catch(() => undefined), tap: (r, seq) => web.tap(r, seq) };
    },
  },
];

/** The BLE halves and what they share: the radio adapter, the decoding stage and the pairings. */
export interface BleParts {
  adapter: BleAdapter;
  stage: BleStage;
  pairings: BlePairings;
}

/**
 * BLE from `ble`: the adapter hands what it heard to the stage, the stage reads keys and models
 * from the pairings, the adapter shows what the stage decoded (`scan`, `devices`, `status`).
 */
export function buildBle(cfg: Config, log: Logger, socket?: HciSocketLike): BleParts {
  const name = `ble${cfg.ble.hci}`;
  const pairings = new (lazy.blePairings().BlePairings)(cfg.state_dir, log, { adapter: name });
  const stage = new (lazy.bleStage().BleStage)({
    forward: cfg.ble.forward, maxDevices: cfg.ble.max_devices, stateDir: cfg.state_dir, log: log.child({ adapter: name }), pairings,
  });
  const adapter = new (lazy.ble().BleAdapter)({ config: cfg.ble, stateDir: cfg.state_dir, log, name, socket, pairings, decoding: stage });
  return { adapter, stage, pairings };
}

/** The radio adapters of the config with their decoding stages. */
export function buildAdapters(cfg: Config, log: Logger, lora: LoraStage, ble: BleParts | undefined): AdapterEntry[] {
  const out: AdapterEntry[] = [];
  for (const [i, l] of cfg.lora.entries()) {
    const profile = lazy.profiles().profileFor(l.modem);
    if (!profile) throw new ConfigError(`lora[${i}].modem`, l.modem, 'a known modem');
    const candidates = l.candidates;
    const adapter = new (lazy.serial().SerialModemAdapter)(
      { name: l.name, port: l.port, baud: l.baud, radio: l.radio, candidates: candidates ? () => candidates : undefined, livenessMs: l.liveness_s * 1000 },
      profile,
      log,
    );
    out.push({ adapter, stage: lora.modem });
  }
  for (const u of cfg.udp) {
    const adapter = new SemtechUdpAdapter(u, { logger: log });
    out.push({
      adapter,
      stage: lora.concentrator,
      bindEvents: (event) => {
        adapter.onStat = (eui, stat) => event('lora_gateway_stat', { eui, stat: JSON.parse(JSON.stringify(stat)) });
      },
    });
  }
  if (ble) {
    const { adapter, stage, pairings } = ble;
    out.push({
      adapter,
      stage,
      openStage: async () => {
        await pairings.open();
        stage.open();
      },
      closeStage: () => stage.close(),
    });
  }
  return out;
}

/** The LoRa stage from `lorawan`; an unusable codec is a config error. */
export function buildLoraStage(cfg: Config, log: Logger, configDir: string | undefined): LoraStage {
  let decoder: LoraFrameDecoder;
  try {
    decoder = new LoraFrameDecoder(cfg.lorawan, { logger: log, baseDir: configDir, stateDir: cfg.state_dir });
  } catch (err) {
    throw new ConfigError('lorawan.devices[].codec', undefined, `a usable codec (${(err as Error).message})`);
  }
  return new LoraStage(decoder, cfg.dedup.window_ms);
}

/**
 * Builds every part from config. Nothing is started and nothing refers to the pipeline: the
 * gateway connects adapters to it in start(), once the spool has told the seq counter its
 * highest seq. On a throw, what was already built (codec workers) is closed.
 */
export function assemble(cfg: Config, id: string, log: Logger, services: GatewayServices, overrides: GatewayOverrides = {}): Assembly {
  // The state dir holds the seq, FCnt store, pairings and the spool: group-readable at most.
  mkdirSync(cfg.state_dir, { recursive: true, mode: 0o750 });
  const curve = cfg.upstream.curve ? lazy.curve().CurveSetup.fromConfig(cfg, log) : PLAIN_SOCKETS;
  const lora = buildLoraStage(cfg, log, overrides.configDir);
  try {
    const bleParts = cfg.ble.enabled ? buildBle(cfg, log, overrides.bleSocket) : undefined;
    const ble = bleParts?.adapter;
    const adapters = buildAdapters(cfg, log, lora, bleParts);
    const active = SINKS.filter((s) => s.enabled(cfg));
    const spool = active.some((s) => s.durable)
      ? new (lazy.spool().Spool)({ dir: join(cfg.state_dir, 'spool'), maxBytes: cfg.spool.max_bytes, fsyncMs: cfg.spool.fsync_ms, segmentBytes: cfg.spool.segment_bytes, logger: log })
      : undefined;
    const memoryLog = new MemoryLog();
    // Durable sinks read the spool; their cursor limit is the spool's own bound.
    const durable: CursorLimits = { maxMessages: Number.MAX_SAFE_INTEGER, maxBytes: cfg.spool.max_bytes, overflow: 'drop-oldest' };
    const ctx: SinkContext = { cfg, id, log, curve };
    const sinks: SinkEntry[] = active.map((s) => ({
      sink: s.build(ctx),
      log: s.durable ? spool! : memoryLog,
      limits: s.durable ? durable : s.limits!(cfg),
      startError: s.startError,
    }));
    const serviceCtx: ServiceContext = { cfg, log, services: { ...services, ble } };
    return {
      memoryLog, spool, lora, ble, curve, adapters, sinks,
      services: SERVICES.filter((x) => x.enabled(cfg)).map((x) => x.build(serviceCtx)),
    };
  } catch (err) {
    lora.close();
    throw err;
  }
}
