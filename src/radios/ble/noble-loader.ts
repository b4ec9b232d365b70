import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import NodeModule = require('node:module');
import { dirname } from 'node:path';

/**
 * The part of `@abandonware/bluetooth-hci-socket` that noble's `hci.js` uses. The emulator
 * implements it so that tests and `lowband demo` run noble's own HCI parsing, GAP and Noble code.
 */
export interface HciSocketLike extends EventEmitter {
  bindRaw(devId?: number): number | void;
  bindUser(devId?: number): number | void;
  start(): void;
  stop?(): void;
  isDevUp(): boolean;
  setFilter(filter: Buffer): void;
  write(data: Buffer): void;
}

/** Advertisement object as noble's GAP builds it. */
export interface NobleAdvertisement {
  localName?: string;
  txPowerLevel?: number;
  manufacturerData?: Buffer;
  serviceData?: { uuid: string; data: Buffer }[];
  serviceUuids?: string[];
}

/** The fields of noble's `Peripheral` the scanner reads. */
export interface NoblePeripheral {
  id?: string;
  uuid: string;
  address: string;
  addressType?: string;
  connectable?: boolean;
  rssi: number;
  advertisement: NobleAdvertisement;
}

/** The surface of noble's `Noble` class the scanner uses (plus the caches it prunes). */
export interface NobleLike extends EventEmitter {
  readonly state: string;
  startScanning(serviceUuids: string[], allowDuplicates: boolean): void;
  stopScanning(): void;
  reset?(): void;
  _bindings?: unknown;
}

/** Options for {@link loadNoble}. */
export interface LoadNobleOptions {
  /** hciN adapter index. */
  hci: number;
  /** Ready-made noble bindings (an EventEmitter speaking noble's bindings events): skips the HCI layer. */
  bindings?: EventEmitter;
  /** Fake HCI socket: noble's real hci-socket bindings run on top of it (emulator, tests). */
  socket?: HciSocketLike;
}

/** A loaded noble plus a way to detach it from the process when the adapter stops. */
export interface LoadedNoble {
  noble: NobleLike;
  /** Removes noble's process-wide handlers and its device polling timer. */
  dispose(): void;
  /** HCI packets noble's parser threw on (counted and dropped instead of crashing the process). */
  readonly stats: { malformedHci: number };
}

type ModuleInternals = {
  new (id: string, parent?: unknown): ModuleInstance;
  _nodeModulePaths(dir: string): string[];
  prototype: ModuleInstance;
};
type ModuleInstance = {
  filename: string;
  paths: string[];
  exports: unknown;
  require(id: string): unknown;
  _compile(source: string, filename: string): void;
};

/**
 * Compiles one CommonJS file as a private module instance whose `require` answers some ids from
 * `overrides`. Why this seam: noble's `hci.js` constructs `@abandonware/bluetooth-hci-socket` in its
 * constructor (which throws EAFNOSUPPORT without kernel Bluetooth), and the bindings construct `Hci`.
 * A private copy of just those two files, with the socket injected, leaves the shared require cache,
 * `Module._load` and every other user of noble untouched, and noble's code runs unmodified.
 */
function requireWithOverrides(file: string, overrides: Record<string, unknown>): unknown {
  const M = NodeModule as unknown as ModuleInternals;
  const m = new M(file, module);
  m.filename = file;
  m.paths = M._nodeModulePaths(dirname(file));
  const base = M.prototype.require;
  m.require = function (this: ModuleInstance, id: string): unknown {
    if (Object.prototype.hasOwnProperty.call(overrides, id)) return overrides[id];
    return base.call(this, id);
  };
  m._compile(readFileSync(file, 'utf8'), file);
  return m.exports;
}

/** Turns what noble or the HCI socket threw into one clear sentence. */
export function describeLoadError(err: unknown, hci: number): string {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const msg = e?.message ?? String(err);
  if (code === 'EAFNOSUPPORT' || /Address family not supported/i.test(msg)) {
    return 'the kernel has no Bluetooth support (EAFNOSUPPORT)';
  }
  if (code === 'EPERM' || code === 'EACCES' || /Operation not permitted|Permission denied/i.test(msg)) {
    return `no permission to open hci${hci} (raw HCI needs CAP_NET_RAW and CAP_NET_ADMIN)`;
  }
  if (code === 'ENODEV' || /No such device/i.test(msg)) return `no adapter hci${hci} (ENODEV)`;
  if (code === 'MODULE_NOT_FOUND' || /Cannot find module/i.test(msg)) {
    return `@abandonware/noble or its HCI socket module is not installed (${msg.split('\n')[0]})`;
  }
  return `could not open hci${hci}: ${msg.split('\n')[0]}`;
}

/**
 * Loads noble lazily for adapter hciN. Never throws: a machine without Bluetooth gets `{ error }`.
 * Sets NOBLE_HCI_DEVICE_ID and NOBLE_REPORT_ALL_HCI_EVENTS=1 (report adverts of connectable
 * devices at once instead of waiting for a scan response).
 */
export function loadNoble(opts: LoadNobleOptions): LoadedNoble | { error: string } {
  process.env.NOBLE_HCI_DEVICE_ID = String(opts.hci);
  process.env.NOBLE_REPORT_ALL_HCI_EVENTS = '1';
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Noble = require('@abandonware/noble/lib/noble') as new (b: EventEmitter) => NobleLike;
    let bindings: EventEmitter;
    if (opts.bindings) {
      bindings = opts.bindings;
    } else {
      let Bindings: new (o: object) => EventEmitter;
      if (opts.socket) {
        const socket = opts.socket;
        const hciFile = require.resolve('@abandonware/noble/lib/hci-socket/hci.js');
        const bindingsFile = require.resolve('@abandonware/noble/lib/hci-socket/bindings.js');
        // `new Socket()` in hci.js returns our instance: a constructor returning an object yields it.
        const Socket = function FakeBluetoothHciSocket(): HciSocketLike {
          return socket;
        };
        const Hci = requireWithOverrides(hciFile, { '@abandonware/bluetooth-hci-socket': Socket });
        Bindings = requireWithOverrides(bindingsFile, { './hci': Hci }) as typeof Bindings;
      } else {
        Bindings = require('@abandonware/noble/lib/hci-socket/bindings') as typeof Bindings;
      }
      // Constructing the real bindings opens the raw HCI socket: EAFNOSUPPORT surfaces here.
      bindings = new Bindings({ deviceId: opts.hci });
    }
    detachOnInit(bindings);
    const stats = { malformedHci: 0 };
    guardSocketData(bindings, stats);
    const noble = new Noble(bindings);
    return { noble, dispose: () => disposeBindings(bindings), stats };
  } catch (err) {
    return { error: describeLoadError(err, opts.hci) };
  }
}

type HciBindings = EventEmitter & {
  init?: () => void;
  onSigIntBinded?: (...a: unknown[]) => void;
  _hci?: {
    pollIsDevUp?: () => void;
    onSocketData?: (data: Buffer) => void;
    _socket?: { stop?: () => void; removeAllListeners?: () => void };
  };
  __lowbandExitHandlers?: ((...a: unknown[]) => void)[];
  __lowbandDisposed?: boolean;
};

/**
 * noble's hci bindings add a SIGINT handler that calls process.exit(1) when it is the last one
 * (that would skip the gateway's graceful drain) and an exit handler per instance. Wrap init to
 * remove the SIGINT one at once and remember the exit one for dispose().
 */
function detachOnInit(bindings: EventEmitter): void {
  const b = bindings as HciBindings;
  const init = b.init;
  if (typeof init !== 'function') return;
  b.init = function (this: HciBindings): void {
    const exitBefore = new Set(process.listeners('exit'));
    const intBefore = new Set(process.listeners('SIGINT'));
    try {
      init.call(this);
    } finally {
      for (const l of process.listeners('SIGINT')) if (!intBefore.has(l)) process.removeListener('SIGINT', l);
      b.__lowbandExitHandlers = process.listeners('exit').filter((l) => !exitBefore.has(l)) as ((...a: unknown[]) => void)[];
    }
  };
}

/**
 * noble's hci.js parses socket data without bounds checks in places (a short Command Complete
 * throws a RangeError); thrown from the socket's 'data' event that would be an uncaught exception.
 * hci.init binds `this.onSocketData` when it subscribes, so an instance wrapper is enough.
 */
function guardSocketData(bindings: EventEmitter, stats: { malformedHci: number }): void {
  const hci = (bindings as HciBindings)._hci;
  const parse = hci?.onSocketData;
  if (!hci || typeof parse !== 'function') return;
  hci.onSocketData = function (this: unknown, data: Buffer): void {
    if (malformedAdvertisingReport(data)) {
      stats.malformedHci++;
      return;
    }
    try {
      parse.call(this, data);
    } catch {
      stats.malformedHci++;
    }
  };
}

/**
 * True for an LE Advertising Report event noble would choke on: reports running past the end
 * (noble catches that but prints a console warning per packet, which a hostile neighbour could
 * turn into a journal flood) or a TX Power element without its byte (noble's GAP throws).
 */
export function malformedAdvertisingReport(data: Buffer): boolean {
  if (data.length < 4 || data[0] !== 0x04 || data[1] !== 0x3e || data[3] !== 0x02) return false;
  if (data.length < 5) return true;
  const n = data[4];
  let i = 5;
  for (let r = 0; r < n; r++) {
    if (i + 9 > data.length) return true;
    const len = data[i + 8];
    const eirStart = i + 9;
    const eirEnd = eirStart + len;
    if (eirEnd + 1 > data.length) return true;
    for (let j = eirStart; j + 1 < eirEnd; ) {
      const l = data[j];
      if (l === 0) break;
      if (data[j + 1] === 0x0a && l < 2) return true;
      j += l + 1;
    }
    i = eirEnd + 1;
  }
  return false;
}

function disposeBindings(bindings: EventEmitter): void {
  const b = bindings as HciBindings;
  if (b.__lowbandDisposed) return;
  b.__lowbandDisposed = true;
  for (const l of b.__lowbandExitHandlers ?? []) process.removeListener('exit', l);
  const hci = b._hci;
  if (hci) {
    // hci.js re-arms a 1 s isDevUp poll forever; an instance no-op ends that chain at its next tick.
    hci.pollIsDevUp = () => undefined;
    try {
      hci._socket?.stop?.();
    } catch {
      // the socket may already be closed
    }
  }
}
