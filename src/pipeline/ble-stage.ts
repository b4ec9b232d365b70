import type { Reading } from '../core/reading';
import { isFailure, type DecodeContext, type Decoded } from '../radios/ble/advert';
import { advertSignature, ownCopy } from '../radios/ble/advert-bytes';
import { DeviceTable, type DeviceEntry } from '../radios/ble/device-table';
import { isBleHeard, type BleDecodingView, type BleHeard, type LastDecoded } from '../radios/ble/heard';
import { isPairingProblem, PairingProblems } from '../radios/ble/pairing-problems';
import type { PairingProblem } from '../radios/ble/pairing';
import type { PairingFacts, PairingLookup } from '../radios/ble/pairings';
import { loadRegistry, safeDecode, type AdvertDecodeFn } from '../radios/ble/registry-loader';
import { ReplayGuard } from '../radios/ble/replay-guard';
import { DropCounter } from '../util/drop-counter';
import type { Logger } from '../util/log';
import type { ReadingStage } from './stage';

/** Options for {@link BleStage}. */
export interface BleStageOptions {
  /** `ble.forward`: with `all`, a paired device's undecodable adverts pass raw. */
  forward: 'paired' | 'all';
  /** `ble.max_devices`: decoding state kept for at most this many unpaired devices. */
  maxDevices: number;
  /** `state_dir`: the replay counters live here. */
  stateDir: string;
  log: Logger;
  /** Keys, models and labels of the paired devices. */
  pairings: PairingLookup;
  /** Replaces the decoder registry (tests). */
  decode?: AdvertDecodeFn;
  /** Wall clock in ms (tests use a manual one). */
  now?: () => number;
  /** How often changed replay counters are written (default 5 s; close() always writes). */
  counterFlushMs?: number;
}

/**
 * The BLE decoding stage: takes the adverts a BLE adapter heard ({@link BleHeard}) and decodes
 * them with the pairing's bindkey and model. It owns what decoding remembers per device (the last
 * counter and advert, replay refusals, the last decode), the replay guard with its persisted
 * counters, and the marks of sensors that need pairing again. Drops are counted by cause, as the
 * adapter counted them when it decoded itself: a repeat of the last counter is `duplicate`,
 * decoder refusals by their error, guard verdicts `duplicate`/`replay`, an undecodable advert of
 * a paired sensor without `forward: all` is `undecodable`.
 */
export class BleStage implements ReadingStage, BleDecodingView {
  /** Drops of this stage by cause (shown with the adapter's, in its status). */
  private readonly dropped = new DropCounter();
  private readonly table: DeviceTable;
  private readonly guard: ReplayGuard;
  private readonly problems: PairingProblems;
  private readonly decodeFn: () => AdvertDecodeFn | undefined;
  private readonly now: () => number;
  private handedOn = 0;

  constructor(private readonly opts: BleStageOptions) {
    this.table = new DeviceTable(opts.maxDevices);
    this.now = opts.now ?? Date.now;
    this.decodeFn = opts.decode ? () => opts.decode : () => loadRegistry(opts.log);
    this.guard = new ReplayGuard(opts.stateDir, opts.log, this.dropped, opts.counterFlushMs);
    this.problems = new PairingProblems(opts.log, this.now);
    for (const mac of opts.pairings.macs()) this.table.pin(mac);
    opts.pairings.onChange((mac, now, before) => this.pairingChanged(mac, now, before));
  }

  /** Loads the replay counters; call once the pairings are loaded (unpaired devices' are forgotten). */
  open(): void {
    const { pairings } = this.opts;
    this.guard.open((mac) => pairings.get(mac) !== undefined);
    for (const mac of pairings.macs()) {
      this.table.pin(mac);
      this.guard.restore(this.table.get(mac)!);
    }
  }

  /** Writes the replay counters synchronously and stops their timer. */
  close(): void {
    this.guard.close();
  }

  process(r: Reading): Reading | null {
    if (!isBleHeard(r)) {
      this.dropped.count('not_an_advert');
      return null;
    }
    const a = r.advert;
    const paired = this.opts.pairings.get(a.mac);
    const nowMs = this.now();
    const entry = this.table.touch(a.mac, nowMs, a.rssi);
    const sig = entry.lastCounter !== undefined ? advertSignature(a) : undefined;
    if (sig !== undefined && sig === entry.lastSig) {
      this.dropped.count('duplicate');
      return null;
    }
    entry.lastDecodeMs = nowMs;
    // `model` is for formats whose passive adverts do not say their model (decoders that know it read it)
    const ctx: DecodeContext = {};
    if (paired?.key) ctx.bindkey = paired.key;
    if (paired?.model) ctx.model = paired.model;
    // only an authenticated counter may raise the bar: an unauthenticated advert is anyone's
    const last = this.guard.lastCounter(a.mac);
    if (last !== undefined) ctx.lastCounter = last;
    const decode = this.decodeFn();
    const result = decode ? safeDecode(decode, a, ctx) : undefined;
    if (result === undefined) return this.raw(r, paired, entry);
    if (isFailure(result)) {
      entry.fmt = result.fmt;
      this.dropped.count(result.error);
      if (paired && isPairingProblem(result.error)) this.problems.failed(a.mac, result.error, paired.name, entry.lastOkMs);
      if (result.error === 'replay') this.guard.refused(entry, nowMs, advertSignature(a));
      return null;
    }
    if (result.authenticated && result.counter !== undefined) {
      const verdict = this.guard.judge(a.mac, result.fmt, result.counter);
      if (verdict !== 'fresh') {
        this.dropped.count(verdict);
        if (verdict === 'replay') this.guard.refused(entry, nowMs, advertSignature(a));
        return null;
      }
    }
    return this.decoded(r, paired, result, entry, sig ?? (result.counter !== undefined ? advertSignature(a) : undefined));
  }

  // ---- BleDecodingView ----

  get forwarded(): number {
    return this.handedOn;
  }

  get drops(): Readonly<Record<string, number>> {
    return this.dropped.byCause;
  }

  get counterStoreFailures(): number {
    return this.guard.store.failures;
  }

  alarms(): string[] {
    const out: string[] = [];
    // Each is an alarm, not just a counter: replay protection after the next restart is at
    // stake, or every reading of a paired sensor is being lost until someone re-pairs it.
    for (const alarm of [this.guard.alarm, this.problems.summary((mac) => this.opts.pairings.get(mac)?.name)]) if (alarm) out.push(alarm);
    return out;
  }

  lastDecoded(mac: string): LastDecoded | undefined {
    const e = this.table.get(mac);
    return e?.lastDecodeMs !== undefined ? { fmt: e.fmt, fields: e.fields } : undefined;
  }

  problem(mac: string): PairingProblem | undefined {
    return this.problems.get(mac);
  }

  // ---- internals ----

  private pairingChanged(mac: string, now: PairingFacts | undefined, before: PairingFacts | undefined): void {
    if (now) this.table.pin(mac);
    else this.table.unpin(mac);
    // unpairing or a new key (or none) starts the counter afresh; the same key keeps it
    const sameKey = now !== undefined && before !== undefined && (now.key === before.key || !!(now.key && before.key?.equals(now.key)));
    const e = this.table.get(mac);
    if (sameKey && e) this.guard.restore(e);
    else if (!sameKey) this.guard.forget(mac, e);
    if (!sameKey) this.problems.forget(mac);
  }

  private decoded(r: BleHeard, paired: PairingFacts | undefined, d: Decoded, entry: DeviceEntry, sig: string | undefined): Reading | null {
    if (d.counter !== undefined && d.counter === entry.lastCounter) {
      this.guard.clearStreak(entry);
      this.dropped.count('duplicate');
      return null;
    }
    entry.fmt = d.fmt;
    entry.fields = d.fields;
    entry.lastOkMs = this.now();
    this.problems.decoded(entry.mac);
    if (d.counter !== undefined) {
      entry.lastCounter = d.counter;
      entry.lastSig = sig;
    }
    if (d.authenticated && d.counter !== undefined) this.guard.accepted(entry, d.fmt, d.counter, sig);
    else this.guard.clearStreak(entry);
    // payloads are slices of HCI event buffers: the reading owns a copy
    const raw = ownCopy(d.payload);
    const out: Reading = { radio: 'ble', device: r.device, src: r.src, raw, timeUs: r.timeUs, rssi: r.rssi, fmt: d.fmt, fields: d.fields };
    if (d.authenticated !== undefined) out.authenticated = d.authenticated;
    if (d.counter !== undefined) out.keySource = { kind: 'counter', mac: entry.mac, fmt: d.fmt, counter: d.counter, payload: raw };
    return this.handOn(out, paired);
  }

  private raw(r: BleHeard, paired: PairingFacts | undefined, entry: DeviceEntry): Reading | null {
    entry.fmt = undefined;
    entry.fields = undefined;
    if (!paired) return null; // strangers' unknown adverts are not ours to count (forward=all)
    if (this.opts.forward !== 'all') {
      this.dropped.count('undecodable');
      return null;
    }
    if (r.raw.length === 0) return null;
    return this.handOn({ radio: 'ble', device: r.device, src: r.src, raw: ownCopy(r.raw), timeUs: r.timeUs, rssi: r.rssi }, paired);
  }

  private handOn(out: Reading, paired: PairingFacts | undefined): Reading {
    this.handedOn++;
    if (paired?.name) out.name = paired.name;
    return out;
  }
}
