import type { Logger } from '../../util/log';
import { RateLimitedLog } from '../../util/log';
import type { Advert } from './advert';
import type { NobleAdvertisement, NobleLike, NoblePeripheral } from './noble-loader';

/** Time source and timers, injectable so tests drive the watchdog without sleeping. */
export interface BleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The wall clock and Node's timers. */
export const systemClock: BleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** What the scanner tells its owner about the radio. */
export interface ScannerStatus {
  /** noble's adapter state: `unknown`, `poweredOn`, `poweredOff`, `unauthorized`, `unsupported`, ... */
  nobleState: string;
  scanning: boolean;
  /** Set when noble could not initialise the adapter at all. */
  error?: string;
}

/** Options for {@link BleScanner}. */
export interface BleScannerOptions {
  /** Restart scanning when no advert arrived for this long while powered on. */
  watchdogMs: number;
  onAdvert(advert: Advert): void;
  onStatus?(status: ScannerStatus): void;
  log?: Logger;
  clock?: BleClock;
}

/** Maps noble's peripheral and advertisement to the decoders' {@link Advert}. */
export function toAdvert(p: NoblePeripheral): Advert {
  const ad: NobleAdvertisement = p.advertisement ?? {};
  const source = p.address && p.address !== 'unknown' ? p.address : p.uuid;
  const mac = source.replace(/[:-]/g, '').toLowerCase();
  const advert: Advert = {
    mac,
    rssi: p.rssi,
    serviceData: (ad.serviceData ?? []).map((s) => ({ uuid: s.uuid.toLowerCase(), data: s.data })),
  };
  if (p.addressType === 'public' || p.addressType === 'random') advert.addressType = p.addressType;
  if (ad.localName !== undefined) advert.localName = ad.localName;
  if (ad.manufacturerData !== undefined) advert.manufacturerData = ad.manufacturerData;
  if (ad.serviceUuids && ad.serviceUuids.length > 0) {
    // noble prints 16-bit UUIDs without leading zeros (`180` for 0x0180)
    advert.serviceUuids = ad.serviceUuids.map((u) => (u.length < 4 ? u.padStart(4, '0') : u).toLowerCase());
  }
  if (typeof ad.txPowerLevel === 'number') advert.txPower = ad.txPowerLevel;
  return advert;
}

type Caches = Record<string, Record<string, unknown> | undefined>;

/**
 * Deletes one address from every per-address cache noble and its hci bindings keep (they are
 * never pruned upstream, noble issue 636: rotating random addresses grow memory without bound).
 * We never connect, so nothing needs them after the discover event. Side effect worth knowing:
 * every report is self-contained (no manufacturer data or name carried over from earlier packets).
 */
export function pruneNobleCaches(noble: NobleLike, p: NoblePeripheral): void {
  const n = noble as unknown as Caches & { _bindings?: Caches & { _gap?: Caches } };
  const uuid = p.uuid;
  delete n._peripherals?.[uuid];
  delete n._services?.[uuid];
  delete n._characteristics?.[uuid];
  delete n._descriptors?.[uuid];
  delete n._discoveredPeripheralUUids?.[uuid];
  const b = n._bindings;
  if (b && typeof b === 'object') {
    delete b._addresses?.[uuid];
    delete b._addresseTypes?.[uuid];
    delete b._connectable?.[uuid];
    delete b.scannable?.[uuid];
    delete b._gap?._discoveries?.[p.address];
  }
}

/**
 * Keeps noble scanning: starts on `poweredOn` with duplicates allowed, restarts after an
 * unexpected `scanStop`, after a power cycle, when another process turned on duplicate
 * filtering, and from a watchdog when no advert arrived for `watchdogMs`. It hands each
 * advert on as an {@link Advert} and prunes noble's caches for it.
 */
export class BleScanner {
  /** Restart counts by cause, for status and tests. */
  readonly restarts = { scanStop: 0, powerCycle: 0, watchdog: 0, filter: 0, reset: 0 };
  adverts = 0;
  private readonly clock: BleClock;
  private readonly rl?: RateLimitedLog;
  private state = 'unknown';
  private scanning = false;
  private running = false;
  private everPoweredOn = false;
  private lastActivityMs = 0;
  private notPoweredSinceMs = 0;
  private consecutiveStops = 0;
  private lastRestartMs = -Infinity;
  private restartTimer: unknown;
  private watchdogTimer: unknown;
  private error?: string;

  constructor(private readonly noble: NobleLike, private readonly opts: BleScannerOptions) {
    this.clock = opts.clock ?? systemClock;
    if (opts.log) this.rl = new RateLimitedLog(opts.log, 60_000);
  }

  /** Attaches to noble (which initialises the adapter on the first `stateChange` listener). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.clock.now();
    this.lastActivityMs = now;
    this.notPoweredSinceMs = now;
    this.noble.on('stateChange', this.onStateChange);
    this.noble.on('scanStart', this.onScanStart);
    this.noble.on('scanStop', this.onScanStop);
    this.noble.on('discover', this.onDiscover);
    this.noble.on('warning', this.onWarning);
    const period = Math.max(10, Math.min(5000, Math.floor(this.opts.watchdogMs / 4)));
    this.watchdogTimer = this.clock.setInterval(() => this.checkWatchdog(), period);
  }

  /** Stops scanning and detaches; noble itself is disposed by the loader's dispose(). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.clock.clearInterval(this.watchdogTimer);
    if (this.restartTimer !== undefined) this.clock.clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    try {
      if (this.state === 'poweredOn') this.noble.stopScanning();
    } catch {
      // the adapter may already be gone
    }
    this.noble.removeListener('stateChange', this.onStateChange);
    this.noble.removeListener('scanStart', this.onScanStart);
    this.noble.removeListener('scanStop', this.onScanStop);
    this.noble.removeListener('discover', this.onDiscover);
    this.noble.removeListener('warning', this.onWarning);
    this.scanning = false;
  }

  /** Current radio status. */
  status(): ScannerStatus {
    return { nobleState: this.state, scanning: this.scanning, ...(this.error ? { error: this.error } : {}) };
  }

  private report(): void {
    this.opts.onStatus?.(this.status());
  }

  private readonly onStateChange = (state: string): void => {
    const previous = this.state;
    this.state = state;
    if (state === 'poweredOn') {
      this.error = undefined;
      if (this.everPoweredOn && previous !== 'poweredOn') {
        this.restarts.powerCycle++;
        this.opts.log?.info({ previous }, 'bluetooth adapter powered on again, restarting scan');
      }
      this.everPoweredOn = true;
      this.startScan();
    } else {
      this.scanning = false;
      this.notPoweredSinceMs = this.clock.now();
      if (state === 'unauthorized') this.error = 'no permission for raw HCI (needs CAP_NET_RAW and CAP_NET_ADMIN)';
      else if (state === 'unsupported') this.error = 'the adapter does not support Bluetooth Low Energy';
      this.rl?.warn('state', { state }, `bluetooth adapter ${state}`);
    }
    this.report();
  };

  private readonly onScanStart = (filterDuplicates?: boolean): void => {
    this.scanning = true;
    this.lastActivityMs = this.clock.now();
    if (filterDuplicates === true) {
      // someone switched duplicate filtering on: sensor values would stop updating
      this.restarts.filter++;
      this.scheduleRestart();
    }
    this.report();
  };

  private readonly onScanStop = (): void => {
    if (!this.running) return;
    this.scanning = false;
    if (this.state === 'poweredOn') {
      this.restarts.scanStop++;
      this.rl?.warn('scanStop', {}, 'BLE scan stopped unexpectedly, restarting');
      this.scheduleRestart();
    }
    this.report();
  };

  private readonly onWarning = (message: string): void => {
    if (/Initialization .* failed/i.test(String(message))) {
      this.error = String(message);
      this.report();
    }
    this.rl?.warn('noble-warning', { warning: String(message) }, 'noble warning');
  };

  private readonly onDiscover = (p: NoblePeripheral): void => {
    let advert: Advert | undefined;
    try {
      advert = toAdvert(p);
    } catch {
      advert = undefined;
    }
    try {
      pruneNobleCaches(this.noble, p);
    } catch {
      // pruning is best effort; a future noble may rename its caches
    }
    if (!advert) return;
    this.adverts++;
    this.lastActivityMs = this.clock.now();
    // adverts right after a restart do not prove the restart loop is over
    if (this.lastActivityMs - this.lastRestartMs > 10_000) this.consecutiveStops = 0;
    try {
      this.opts.onAdvert(advert);
    } catch (err) {
      this.rl?.error('onAdvert', { err: (err as Error).message }, 'BLE advert handler failed');
    }
  };

  /** Restart soon: at once the first time, then backing off while no advert arrives in between. */
  private scheduleRestart(): void {
    if (this.restartTimer !== undefined || !this.running) return;
    const delay = this.consecutiveStops === 0 ? 0 : Math.min(30_000, 250 * 2 ** (this.consecutiveStops - 1));
    this.consecutiveStops++;
    this.lastRestartMs = this.clock.now();
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = undefined;
      if (this.running && this.state === 'poweredOn') this.startScan();
    }, delay);
  }

  private startScan(): void {
    if (!this.running) return;
    this.lastActivityMs = this.clock.now();
    try {
      // gap.startScanning disables, sets parameters and re-enables: a full restart each time
      this.noble.startScanning([], true);
    } catch (err) {
      this.rl?.warn('startScanning', { err: (err as Error).message }, 'could not start BLE scan');
    }
  }

  private checkWatchdog(): void {
    if (!this.running) return;
    const now = this.clock.now();
    if (this.state === 'poweredOn') {
      if (now - this.lastActivityMs >= this.opts.watchdogMs) {
        this.restarts.watchdog++;
        this.rl?.warn('watchdog', { silentMs: now - this.lastActivityMs }, 'no BLE advert for a while, restarting scan');
        this.startScan();
      }
    } else if (this.state === 'unknown' && now - this.notPoweredSinceMs >= this.opts.watchdogMs) {
      // initialisation never finished: an HCI reset makes noble run its init sequence again
      this.notPoweredSinceMs = now;
      this.restarts.reset++;
      try {
        this.noble.reset?.();
      } catch {
        // nothing more to try here; status shows the state
      }
    }
  }
}
