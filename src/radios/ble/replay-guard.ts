import type { Logger } from '../../util/log';
import type { DropCounter } from '../../util/drop-counter';
import { BleCounterStore } from './counter-store';
import type { DeviceEntry } from './device-table';
import { formatMac } from './pairing';

/** A counter refused as a replay this many times over this long means the sensor restarted. */
export const SENSOR_RESTART_REFUSALS = 5;
export const SENSOR_RESTART_MS = 60_000;

/**
 * Authenticated formats whose counter is too narrow to only ever grow (8 bits: it wraps every
 * 256 measurements). For these a counter counts as newer when it is less than half the range
 * ahead (serial number arithmetic, RFC 1982). Every other format's counter must simply grow.
 */
const WRAPPING_COUNTERS: Readonly<Record<string, number>> = { pvvx: 256, atc1441: 256 };

/** What the guard makes of an authenticated counter. */
export type CounterVerdict = 'fresh' | 'duplicate' | 'replay';

/**
 * Replay protection for authenticated BLE readings (BTHome, pvvx, MiBeacon, ...): the highest
 * accepted counter per enrolled sensor, persisted in {@link BleCounterStore}, and the rule for a
 * sensor whose counter restarts (new battery). Decoders refuse counters at or below the one they
 * are given; the guard also judges the counters decoders cannot (8-bit, wrapping ones).
 */
export class ReplayGuard {
  readonly store: BleCounterStore;

  constructor(stateDir: string, private readonly log: Logger, private readonly drops: DropCounter, flushMs?: number) {
    this.store = new BleCounterStore(stateDir, log, flushMs);
  }

  /** Loads the persisted counters; `paired` says which devices are still enrolled. */
  open(paired: (mac: string) => boolean): void {
    this.store.open();
    this.store.retain(paired);
  }

  /** Writes the counters synchronously and stops the timer. */
  close(): void {
    this.store.close();
  }

  /** Why the counters are not safely persisted, if they are not. */
  get alarm(): string | undefined {
    return this.store.alarm;
  }

  /** The counter a decoder must exceed (`DecodeContext.lastCounter`). */
  lastCounter(mac: string): number | undefined {
    return this.store.get(mac)?.counter;
  }

  /** Copies the persisted state into a freshly pinned entry, so repeats of the last frame stay duplicates. */
  restore(entry: DeviceEntry): void {
    const s = this.store.get(entry.mac);
    if (!s) return;
    entry.lastCounter = s.counter;
    entry.lastSig = s.sig;
  }

  /** Judges an authenticated counter against the highest accepted one of the same format. */
  judge(mac: string, fmt: string, counter: number): CounterVerdict {
    const s = this.store.get(mac);
    if (!s || s.fmt !== fmt) return 'fresh';
    const range = WRAPPING_COUNTERS[fmt];
    if (range === undefined) return counter > s.counter ? 'fresh' : counter === s.counter ? 'duplicate' : 'replay';
    const ahead = (((counter - s.counter) % range) + range) % range;
    return ahead === 0 ? 'duplicate' : ahead < range / 2 ? 'fresh' : 'replay';
  }

  /** Records an accepted authenticated counter (persisted by the next flush). */
  accepted(entry: DeviceEntry, fmt: string, counter: number, sig: string | undefined): void {
    this.clearStreak(entry);
    this.store.set(entry.mac, { fmt, counter, ...(sig ? { sig } : {}) });
  }

  /** Something other than a replay was accepted from the device: it is being heard, so no restart. */
  clearStreak(entry: DeviceEntry): void {
    entry.replayStreak = undefined;
    entry.replaySinceMs = undefined;
    entry.replaySig = undefined;
  }

  /**
   * Notes a refused replay. A sensor whose counter went back and stays back restarted (new
   * battery): after SENSOR_RESTART_REFUSALS refusals spanning SENSOR_RESTART_MS with nothing
   * accepted in between, its counter is accepted afresh. A replaying attacker cannot trigger this
   * while the genuine sensor is heard: every genuine frame clears the streak. True when reset.
   */
  refused(entry: DeviceEntry, nowMs: number, sig: string): boolean {
    if (sig === entry.replaySig) return false; // a repeat of the same advert is one measurement
    entry.replaySig = sig;
    entry.replayStreak = (entry.replayStreak ?? 0) + 1;
    entry.replaySinceMs ??= nowMs;
    if (entry.replayStreak < SENSOR_RESTART_REFUSALS || nowMs - entry.replaySinceMs < SENSOR_RESTART_MS) return false;
    this.log.warn(
      { mac: formatMac(entry.mac), lastCounter: this.lastCounter(entry.mac), refusals: entry.replayStreak },
      'BLE sensor counter went back and stayed back (restarted, new battery?): accepting its new counter',
    );
    this.drops.count('counter_reset');
    this.forget(entry.mac, entry);
    return true;
  }

  /** Forgets everything about the device's counter (unpaired, new key, counter restarted). */
  forget(mac: string, entry?: DeviceEntry): void {
    if (entry) {
      this.clearStreak(entry);
      entry.lastCounter = undefined;
      entry.lastSig = undefined;
    }
    this.store.delete(mac);
  }
}
