/*
 * src/radios/ble is BLE's radio half and what its decoding needs: the adapter (noble, scanning,
 * the devices heard, what is ours) and scanner, pairings (paired-store, pairings, pairing),
 * the advert shapes and decoders (advert, decoders/), the replay guard with its counter file and
 * the pairing-problem marks. Decoding itself runs in src/pipeline/ble-stage.ts; heard.ts is
 * what the two halves exchange.
 */
import type { EventEmitter } from 'node:events';
import type { Config } from '../../config/schema';
import { nowUs } from '../../core/reading';
import type { Logger } from '../../util/log';
import { DropCounter, type AdapterState, type AdapterStatus, type RadioAdapter, type ReadingSink } from '../adapter';
import { isFailure, type Advert } from './advert';
import { rawPayload } from './advert-bytes';
import { DeviceTable, type DeviceEntry } from './device-table';
import type { BleDecodingView, BleHeard } from './heard';
import { loadNoble, type HciSocketLike, type LoadedNoble, type LoadNobleOptions } from './noble-loader';
import { formatMac, normaliseMac, type BleControl, type NearbyDevice, type PairedDevice, type PairOptions } from './pairing';
import { BlePairings } from './pairings';
import { loadRegistry, safeDecode, type AdvertDecodeFn } from './registry-loader';
import { BleScanner, systemClock, type BleClock, type ScannerStatus } from './scanner';

export type { AdvertDecodeFn } from './registry-loader';

/** The `ble` config section. */
export type BleConfig = Config['ble'];

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
  /** Replaces the decoder registry for the `scan` glance at devices not forwarded (tests). */
  decode?: AdvertDecodeFn;
  clock?: BleClock;
  /** Overrides `watchdog_s` (tests use short values). */
  watchdogMs?: number;
  /** Pairings shared with the decoding stage; otherwise opened from `stateDir`. */
  pairings?: BlePairings;
  /** What the decoding stage says about decoding, for `scan`, `devices` and `status`. */
  decoding?: BleDecodingView;
}

/** Devices that are not forwarded are decoded at most this often, only to show them in `scan`. */
const NEARBY_DECODE_MS = 1000;
const NOTHING = Buffer.alloc(0);

/**
 * BLE radio adapter: scans with noble, keeps the devices heard (bounded, enrolled ones pinned)
 * and hands each advert of a device it forwards (paired, or any with `forward: all`) on
 * undecoded, as a {@link BleHeard}; the BLE decoding stage (src/pipeline/ble-stage.ts) decodes
 * it. Also the gateway's {@link BleControl} (pair, unpair, devices, nearby), which shows what the
 * stage decoded through a {@link BleDecodingView}.
 */
export class BleAdapter implements RadioAdapter, BleControl {
  readonly name: string;
  /** Drops of the radio half (`min_rssi`, `sink_error`); the stage's are added in status(). */
  readonly drops = new DropCounter();
  readonly table: DeviceTable;
  readonly pairings: BlePairings;
  private state: AdapterState = 'stopped';
  private detail?: string;
  private handedOn = 0;
  private lastHeardUs?: number;
  private emit?: ReadingSink;
  private loaded?: LoadedNoble;
  private scanner?: BleScanner;
  private readonly clock: BleClock;
  private readonly decodeFn: () => AdvertDecodeFn | undefined;

  constructor(private readonly opts: BleAdapterOptions) {
    this.name = opts.name ?? `ble${opts.config.hci}`;
    this.table = new DeviceTable(opts.config.max_devices);
    this.clock = opts.clock ?? systemClock;
    this.decodeFn = opts.decode ? () => opts.decode : () => loadRegistry(opts.log);
    this.pairings = opts.pairings ?? new BlePairings(opts.stateDir, opts.log, { adapter: this.name });
    // enrolled devices stay in the table whatever the flood of strangers
    this.pairings.onChange((mac, now) => {
      if (now) this.table.pin(mac);
      else this.unpinned(mac);
    });
  }

  /** Opens the pairings, loads noble and starts scanning; never throws for a missing radio. */
  async start(emit: ReadingSink): Promise<void> {
    this.emit = emit;
    this.state = 'starting';
    this.detail = undefined;
    await this.pairings.open();
    for (const mac of this.pairings.macs()) this.table.pin(mac);
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
    this.state = 'stopped';
  }

  /** Snapshot for `lowband status`: the radio half's figures with the decoding stage's. */
  status(): AdapterStatus {
    const decoding = this.opts.decoding;
    const drops = { ...this.drops.byCause };
    for (const [cause, n] of Object.entries(decoding?.drops ?? {})) drops[cause] = (drops[cause] ?? 0) + n;
    const received = decoding ? decoding.forwarded : this.handedOn;
    const s: AdapterStatus = { name: this.name, kind: 'ble', state: this.state, received, drops };
    const malformed = this.loaded?.stats?.malformedHci ?? 0;
    if (malformed > 0) s.drops.hci_malformed = malformed;
    if (decoding && decoding.counterStoreFailures > 0) s.drops.counter_store_error = decoding.counterStoreFailures;
    let detail = this.detail;
    if (this.scanner) {
      const r = this.scanner.restarts;
      const restarts = r.scanStop + r.powerCycle + r.watchdog + r.filter + r.reset;
      detail = `hci${this.opts.config.hci} ${this.scanner.status().nobleState}${this.scanner.status().scanning ? ', scanning' : ''}; ` +
        `${this.pairings.size} paired, ${this.table.size} known` +
        (restarts ? `; scan restarts ${restarts} (stop ${r.scanStop}, power ${r.powerCycle}, watchdog ${r.watchdog})` : '') +
        (this.detail ? `; ${this.detail}` : '');
    }
    for (const alarm of decoding?.alarms() ?? []) {
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
  pair(mac: string, opts: PairOptions): Promise<PairedDevice> {
    return this.pairings.pair(mac, opts);
  }

  /** Removes an enrolled device; effective for the next advert. */
  unpair(mac: string): Promise<boolean> {
    return this.pairings.unpair(mac);
  }

  /** Enrolled devices, never with keys. */
  devices(): PairedDevice[] {
    return this.pairings.list().map((d) => {
      const problem = this.opts.decoding?.problem(normaliseMac(d.mac));
      return problem ? { ...d, error: problem } : d;
    });
  }

  /** Devices heard recently (bounded by `max_devices`), most recent first. */
  nearby(): NearbyDevice[] {
    const forwardAll = this.opts.config.forward === 'all';
    return this.table.entries().map((e) => {
      const enrolled = this.pairings.get(e.mac);
      const d: NearbyDevice = {
        mac: formatMac(e.mac),
        rssi: e.rssi,
        lastSeen: new Date(e.lastSeenMs).toISOString(),
        paired: enrolled !== undefined,
      };
      // The name the user gave at pairing says more than the advertised one.
      const name = enrolled?.name ?? e.name;
      if (name !== undefined) d.name = name;
      // What a forwarded device decoded to is the stage's to say; until it has tried, and for
      // devices not forwarded, the glance below. A refused advert names its format but has no
      // fields: the last ones known stay shown (undecodable clears both).
      const decoded = enrolled !== undefined || forwardAll ? this.opts.decoding?.lastDecoded(e.mac) : undefined;
      const fmt = decoded ? decoded.fmt : e.fmt;
      const fields = decoded ? (decoded.fields ?? (decoded.fmt !== undefined ? e.fields : undefined)) : e.fields;
      if (fmt !== undefined) d.fmt = fmt;
      if (fields !== undefined) d.fields = fields;
      const problem = enrolled ? this.opts.decoding?.problem(e.mac) : undefined;
      if (problem) d.error = problem;
      return d;
    });
  }

  // ---- internals ----

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
    const heardUs = (this.lastHeardUs = nowUs());
    const forwardable = this.pairings.get(a.mac) !== undefined || cfg.forward === 'all';
    if (a.rssi < cfg.min_rssi) {
      if (forwardable) this.drops.count('min_rssi');
      return;
    }
    const nowMs = this.clock.now();
    const entry = this.table.touch(a.mac, nowMs, a.rssi);
    if (a.localName !== undefined) entry.name = a.localName;
    if (a.addressType !== undefined) entry.addressType = a.addressType;
    if (a.serviceData.length === 0 && !a.manufacturerData) return; // e.g. a scan response carrying only a name
    if (!forwardable) {
      this.glance(a, entry, nowMs);
      return;
    }
    this.handOn({ radio: 'ble', device: a.mac, src: this.name, raw: rawPayload(a) ?? NOTHING, timeUs: heardUs, rssi: a.rssi, advert: a });
  }

  /**
   * What a device that is not forwarded is, for `scan` (at most once a second per device). This
   * stays here rather than in the stage: it uses no key, counter or pairing and yields no
   * reading, and sending strangers' adverts down the pipeline path only to drop them would make
   * the stage keep state for every passer-by.
   */
  private glance(a: Advert, entry: DeviceEntry, nowMs: number): void {
    const decode = this.decodeFn();
    if (!decode || (entry.lastDecodeMs !== undefined && nowMs - entry.lastDecodeMs < NEARBY_DECODE_MS)) return;
    entry.lastDecodeMs = nowMs;
    const r = safeDecode(decode, a, {});
    if (r) {
      entry.fmt = r.fmt;
      if (!isFailure(r)) entry.fields = r.fields;
    }
  }

  /**
   * An unpaired device goes back to the LRU, and `scan` forgets what it glanced before the
   * pairing: shown again, that would pass hours-old values off as current. Its next advert is
   * glanced at once.
   */
  private unpinned(mac: string): void {
    this.table.unpin(mac);
    const e = this.table.get(mac);
    if (!e) return;
    e.fmt = undefined;
    e.fields = undefined;
    e.lastDecodeMs = undefined;
  }

  private handOn(r: BleHeard): void {
    if (!this.emit) return;
    this.handedOn++;
    try {
      this.emit(r);
    } catch (err) {
      this.drops.count('sink_error');
      this.opts.log.error({ err: (err as Error).message }, 'reading sink threw');
    }
  }
}
