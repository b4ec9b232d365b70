import type { EventEmitter } from 'node:events';
import type { Config } from '../../config/schema';
import { nowUs, type Reading } from '../../core/reading';
import type { Logger } from '../../util/log';
import { DropCounter, type AdapterState, type AdapterStatus, type RadioAdapter, type ReadingSink } from '../adapter';
import { isFailure, type Advert, type DecodeContext, type Decoded, type DecodeResult } from './advert';
import { advertSignature, ownCopy, rawPayload } from './advert-bytes';
import { DeviceTable, type DeviceEntry } from './device-table';
import { isPairingProblem, PairingProblems } from './pairing-problems';
import { loadNoble, type HciSocketLike, type LoadedNoble, type LoadNobleOptions } from './noble-loader';
import { PairedStore, type PairedEntry } from './paired-store';
import { formatMac, normaliseMac, type BleControl, type NearbyDevice, type PairedDevice, type PairOptions } from './pairing';
import { ReplayGuard } from './replay-guard';
import { BleScanner, systemClock, type BleClock, type ScannerStatus } from './scanner';

/** The `ble` config section. */
export type BleConfig = Config['ble'];

/** Same signature as `decodeAdvert` in `./decoders/registry`. */
export type AdvertDecodeFn = (advert: Advert, ctx: DecodeContext) => DecodeResult | undefined;

/** Options for {@link BleAdapter}. */
export interface BleAdapterOptions {
  config: BleConfig;
  /** `state_dir`: paired.json lives here. */
  stateDir: string;
  log: Logger;
  /** Adapter instance name (default `ble<hci>`). */
  name?: string;
  /** Emulator/test seam: noble runs its real hci-socket code on this socket. */
  socket?: HciSocketLike;
  /** Emulator/test seam one level up: ready-made noble bindings. */
  bindings?: EventEmitter;
  /** Replaces {@link loadNoble} (tests). */
  load?: (opts: LoadNobleOptions) => LoadedNoble | { error: string };
  /** Replaces the decoder registry (tests, or before the registry exists). */
  decode?: AdvertDecodeFn;
  clock?: BleClock;
  /** Overrides `watchdog_s` (tests use short values). */
  watchdogMs?: number;
  /** A store shared with someone else; otherwise opened from `stateDir`. */
  store?: PairedStore;
  /** How often changed replay counters are written (default 5 s; close() always writes). */
  counterFlushMs?: number;
}

/** Devices that are not forwarded are decoded at most this often, only to show them in `scan`. */
const NEARBY_DECODE_MS = 1000;

let registryDecode: AdvertDecodeFn | undefined | null = null;
/** The decoder registry, loaded on first use so the scanner works (raw) even if it is missing. */
function loadRegistry(log: Logger): AdvertDecodeFn | undefined {
  if (registryDecode !== null) return registryDecode;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require('./decoders/registry') as { decodeAdvert?: AdvertDecodeFn };
    registryDecode = typeof mod.decodeAdvert === 'function' ? mod.decodeAdvert : undefined;
  } catch (err) {
    registryDecode = undefined;
    log.error({ err: (err as Error).message }, 'BLE decoder registry missing: adverts are not decoded');
  }
  return registryDecode;
}

/**
 * BLE radio adapter: scans with noble, keeps enrolled devices, decodes adverts and emits readings.
 * Also the gateway's {@link BleControl} (pair, unpair, devices, nearby).
 */
export class BleAdapter implements RadioAdapter, BleControl {
  readonly name: string;
  readonly drops = new DropCounter();
  readonly table: DeviceTable;
  private state: AdapterState = 'stopped';
  private detail?: string;
  private received = 0;
  private lastHeardUs?: number;
  private emit?: ReadingSink;
  private loaded?: LoadedNoble;
  private scanner?: BleScanner;
  private store?: PairedStore;
  private storeOpening?: Promise<PairedStore>;
  private readonly clock: BleClock;
  private readonly guard: ReplayGuard;
  private readonly pairingProblems: PairingProblems;
  private readonly decodeFn: () => AdvertDecodeFn | undefined;

  constructor(private readonly opts: BleAdapterOptions) {
    this.name = opts.name ?? `ble${opts.config.hci}`;
    this.table = new DeviceTable(opts.config.max_devices);
    this.clock = opts.clock ?? systemClock;
    this.decodeFn = opts.decode ? () => opts.decode : () => loadRegistry(opts.log);
    const log = opts.log.child({ adapter: this.name });
    this.guard = new ReplayGuard(opts.stateDir, log, this.drops, opts.counterFlushMs);
    this.pairingProblems = new PairingProblems(log, () => this.clock.now());
    if (opts.store) this.attachStore(opts.store);
  }

  /** Opens the pairing store, loads noble and starts scanning; never throws for a missing radio. */
  async start(emit: ReadingSink): Promise<void> {
    this.emit = emit;
    this.state = 'starting';
    this.detail = undefined;
    const store = await this.openStore();
    this.guard.open((mac) => store.get(mac) !== undefined);
    for (const d of store.list()) {
      const e = this.table.get(normaliseMac(d.mac));
      if (e) this.guard.restore(e);
    }
    if (!this.opts.config.enabled) {
      this.state = 'stopped';
      this.detail = 'disabled in config';
      return;
    }
    const load = this.opts.load ?? loadNoble;
    const loaded = load({ hci: this.opts.config.hci, socket: this.opts.socket, bindings: this.opts.bindings });
    if ('error' in loaded) {
      this.state = 'degraded';
      this.detail = `bluetooth unavailable: ${loaded.error}`;
      this.opts.log.warn({ adapter: this.name }, `bluetooth unavailable: ${loaded.error}; BLE disabled, rest of the gateway keeps running`);
      return;
    }
    this.loaded = loaded;
    this.scanner = new BleScanner(loaded.noble, {
      watchdogMs: this.opts.watchdogMs ?? this.opts.config.watchdog_s * 1000,
      clock: this.clock,
      log: this.opts.log.child({ adapter: this.name }),
      onAdvert: (a) => this.onAdvert(a),
      onStatus: (s) => this.onScannerStatus(s),
    });
    this.scanner.start();
  }

  /** Stops scanning and releases noble. */
  async stop(): Promise<void> {
    this.scanner?.stop();
    this.scanner = undefined;
    this.loaded?.dispose();
    this.loaded = undefined;
    this.emit = undefined;
    this.guard.close();
    this.state = 'stopped';
  }

  /** Snapshot for `lowband status`. */
  status(): AdapterStatus {
    const s: AdapterStatus = { name: this.name, kind: 'ble', state: this.state, received: this.received, drops: { ...this.drops.byCause } };
    const malformed = this.loaded?.stats?.malformedHci ?? 0;
    if (malformed > 0) s.drops.hci_malformed = malformed;
    if (this.guard.store.failures > 0) s.drops.counter_store_error = this.guard.store.failures;
    let detail = this.detail;
    if (this.scanner) {
      const r = this.scanner.restarts;
      const restarts = r.scanStop + r.powerCycle + r.watchdog + r.filter + r.reset;
      detail = `hci${this.opts.config.hci} ${this.scanner.status().nobleState}${this.scanner.status().scanning ? ', scanning' : ''}; ` +
        `${this.store?.size ?? 0} paired, ${this.table.size} known` +
        (restarts ? `; scan restarts ${restarts} (stop ${r.scanStop}, power ${r.powerCycle}, watchdog ${r.watchdog})` : '') +
        (this.detail ? `; ${this.detail}` : '');
    }
    // Each is an alarm, not just a counter: replay protection after the next restart is at
    // stake, or every reading of a paired sensor is being lost until someone re-pairs it.
    for (const alarm of [this.guard.alarm, this.pairingProblems.summary((mac) => this.store?.get(mac)?.name)]) {
      if (!alarm) continue;
      if (s.state === 'running' || s.state === 'starting') s.state = 'degraded';
      detail = detail ? `${detail}; ${alarm}` : alarm;
    }
    if (detail) s.detail = detail;
    if (this.lastHeardUs !== undefined) s.lastHeardUs = this.lastHeardUs;
    return s;
  }

  /** Restart counts of the scanner by cause (tests, diagnostics). */
  get restarts(): BleScanner['restarts'] | undefined {
    return this.scanner?.restarts;
  }

  // ---- BleControl ----

  /** Enrols a device; effective for the next advert. */
  async pair(mac: string, opts: PairOptions): Promise<PairedDevice> {
    const store = await this.openStore();
    return store.pair(mac, opts);
  }

  /** Removes an enrolled device; effective for the next advert. */
  async unpair(mac: string): Promise<boolean> {
    const store = await this.openStore();
    return store.unpair(mac);
  }

  /** Enrolled devices, never with keys. */
  devices(): PairedDevice[] {
    return (this.store?.list() ?? []).map((d) => {
      const problem = this.pairingProblems.get(normaliseMac(d.mac));
      return problem ? { ...d, error: problem } : d;
    });
  }

  /** Devices heard recently (bounded by `max_devices`), most recent first. */
  nearby(): NearbyDevice[] {
    return this.table.entries().map((e) => {
      const enrolled = this.store?.get(e.mac);
      const d: NearbyDevice = {
        mac: formatMac(e.mac),
        rssi: e.rssi,
        lastSeen: new Date(e.lastSeenMs).toISOString(),
        paired: enrolled !== undefined,
      };
      // The name the user gave at pairing says more than the advertised one.
      const name = enrolled?.name ?? e.name;
      if (name !== undefined) d.name = name;
      if (e.fmt !== undefined) d.fmt = e.fmt;
      if (e.fields !== undefined) d.fields = e.fields;
      const problem = enrolled ? this.pairingProblems.get(e.mac) : undefined;
      if (problem) d.error = problem;
      return d;
    });
  }

  // ---- internals ----

  private openStore(): Promise<PairedStore> {
    if (this.store) return Promise.resolve(this.store);
    if (!this.storeOpening) {
      this.storeOpening = PairedStore.open(this.opts.stateDir).then((store) => {
        if (store.loadError) this.opts.log.error({ adapter: this.name }, `paired devices: ${store.loadError}`);
        this.attachStore(store);
        return store;
      });
      this.storeOpening.catch(() => {
        this.storeOpening = undefined;
      });
    }
    return this.storeOpening;
  }

  private attachStore(store: PairedStore): void {
    this.store = store;
    for (const d of store.list()) this.table.pin(normaliseMac(d.mac));
    const previous = store.onChange;
    store.onChange = (mac, entry, before) => {
      previous?.(mac, entry, before);
      if (entry) this.table.pin(mac);
      else this.table.unpin(mac);
      // unpairing or a new key (or none) starts the counter afresh; the same key keeps it
      const sameKey = entry !== undefined && before !== undefined && (entry.key === before.key || !!(entry.key && before.key?.equals(entry.key)));
      const e = this.table.get(mac);
      if (sameKey && e) this.guard.restore(e);
      else if (!sameKey) this.guard.forget(mac, e);
      if (!sameKey) this.pairingProblems.forget(mac);
    };
  }

  private onScannerStatus(s: ScannerStatus): void {
    if (s.error) {
      this.state = 'degraded';
      this.detail = s.error;
    } else if (s.nobleState === 'poweredOn') {
      this.state = s.scanning ? 'running' : 'starting';
      this.detail = undefined;
    } else {
      this.state = s.nobleState === 'unknown' ? 'starting' : 'reconnecting';
      this.detail = `adapter ${s.nobleState}`;
    }
  }

  private onAdvert(a: Advert): void {
    const cfg = this.opts.config;
    this.lastHeardUs = nowUs();
    const paired = this.store?.get(a.mac);
    const forwardable = paired !== undefined || cfg.forward === 'all';
    if (a.rssi < cfg.min_rssi) {
      if (forwardable) this.drops.count('min_rssi');
      return;
    }
    const nowMs = this.clock.now();
    const entry = this.table.touch(a.mac, nowMs, a.rssi);
    if (a.localName !== undefined) entry.name = a.localName;
    if (a.addressType !== undefined) entry.addressType = a.addressType;
    const decode = this.decodeFn();

    if (!forwardable) {
      if (!decode || (entry.lastDecodeMs !== undefined && nowMs - entry.lastDecodeMs < NEARBY_DECODE_MS)) return;
      if (a.serviceData.length === 0 && !a.manufacturerData) return;
      entry.lastDecodeMs = nowMs;
      const r = this.safeDecode(decode, a, {});
      if (r) {
        entry.fmt = r.fmt;
        if (!isFailure(r)) entry.fields = r.fields;
      }
      return;
    }

    if (a.serviceData.length === 0 && !a.manufacturerData) return; // e.g. a scan response carrying only a name
    const sig = entry.lastCounter !== undefined ? advertSignature(a) : undefined;
    if (sig !== undefined && sig === entry.lastSig) {
      this.drops.count('duplicate');
      return;
    }
    entry.lastDecodeMs = nowMs;
    // `model` is for formats whose passive adverts do not say their model (decoders that know it read it)
    const ctx: DecodeContext & { model?: string } = {};
    if (paired?.key) ctx.bindkey = paired.key;
    if (paired?.model) ctx.model = paired.model;
    // only an authenticated counter may raise the bar: an unauthenticated advert is anyone's
    const last = this.guard.lastCounter(a.mac);
    if (last !== undefined) ctx.lastCounter = last;
    const result = decode ? this.safeDecode(decode, a, ctx) : undefined;
    if (result === undefined) {
      this.forwardRaw(a, paired, entry);
      return;
    }
    if (isFailure(result)) {
      entry.fmt = result.fmt;
      this.drops.count(result.error);
      if (paired && isPairingProblem(result.error)) this.pairingProblems.failed(a.mac, result.error, paired.name, entry.lastOkMs);
      if (result.error === 'replay') this.guard.refused(entry, nowMs, advertSignature(a));
      return;
    }
    if (result.authenticated && result.counter !== undefined) {
      const verdict = this.guard.judge(a.mac, result.fmt, result.counter);
      if (verdict !== 'fresh') {
        this.drops.count(verdict);
        if (verdict === 'replay') this.guard.refused(entry, nowMs, advertSignature(a));
        return;
      }
    }
    this.forwardDecoded(a, result, entry, sig ?? (result.counter !== undefined ? advertSignature(a) : undefined));
  }

  private safeDecode(decode: AdvertDecodeFn, a: Advert, ctx: DecodeContext): DecodeResult | undefined {
    try {
      return decode(a, ctx);
    } catch {
      // decoders must not throw; if one does, it is a counted malformed advert, not a crash
      return { fmt: 'unknown', error: 'decoder_error' };
    }
  }

  private forwardDecoded(a: Advert, d: Decoded, entry: DeviceEntry, sig: string | undefined): void {
    if (d.counter !== undefined && d.counter === entry.lastCounter) {
      this.guard.clearStreak(entry);
      this.drops.count('duplicate');
      return;
    }
    entry.fmt = d.fmt;
    entry.fields = d.fields;
    entry.lastOkMs = this.clock.now();
    this.pairingProblems.decoded(a.mac);
    if (d.counter !== undefined) {
      entry.lastCounter = d.counter;
      entry.lastSig = sig;
    }
    if (d.authenticated && d.counter !== undefined) this.guard.accepted(entry, d.fmt, d.counter, sig);
    else this.guard.clearStreak(entry);
    const raw = ownCopy(d.payload);
    const reading: Reading = { radio: 'ble', device: a.mac, src: this.name, raw, timeUs: nowUs(), rssi: a.rssi, fmt: d.fmt, fields: d.fields };
    if (d.authenticated !== undefined) reading.authenticated = d.authenticated;
    if (d.counter !== undefined) reading.keySource = { kind: 'counter', mac: a.mac, fmt: d.fmt, counter: d.counter, payload: raw };
    this.deliver(reading);
  }

  private forwardRaw(a: Advert, paired: PairedEntry | undefined, entry: DeviceEntry): void {
    entry.fmt = undefined;
    entry.fields = undefined;
    if (!paired) return; // strangers' unknown adverts are not ours to count (forward=all)
    if (this.opts.config.forward !== 'all') {
      this.drops.count('undecodable');
      return;
    }
    const payload = rawPayload(a);
    if (!payload) return;
    this.deliver({ radio: 'ble', device: a.mac, src: this.name, raw: ownCopy(payload), timeUs: nowUs(), rssi: a.rssi });
  }

  private deliver(r: Reading): void {
    if (!this.emit) return;
    this.received++;
    const label = this.store?.get(r.device)?.name;
    if (label) r.name = label;
    try {
      this.emit(r);
    } catch (err) {
      this.drops.count('sink_error');
      this.opts.log.error({ err: (err as Error).message }, 'reading sink threw');
    }
  }
}
