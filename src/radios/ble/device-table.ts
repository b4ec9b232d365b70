import type { FieldValue } from '../../core/reading';
import { BoundedMap } from '../../util/bounded-map';
import { DropCounter } from '../../util/drop-counter';

/** What the gateway remembers about one BLE address. */
export interface DeviceEntry {
  mac: string;
  name?: string;
  addressType?: 'public' | 'random';
  rssi: number;
  /** Wall clock ms of the last advert. */
  lastSeenMs: number;
  fmt?: string;
  fields?: Record<string, FieldValue>;
  /** Counter of the last accepted reading (replay protection, duplicate suppression). */
  lastCounter?: number;
  /** Replay refusals in a row with nothing accepted in between, and since when. */
  replayStreak?: number;
  replaySinceMs?: number;
  /** Signature of the last refused advert: its repeats count once. */
  replaySig?: string;
  /** Hex of the advert's data of the last accepted counter reading: a repeat is caught before decoding. */
  lastSig?: string;
  /** Wall clock ms of the last decode attempt (nearby-only devices are decoded at most once a second). */
  lastDecodeMs?: number;
  /** Wall clock ms of the last advert that decoded (a paired sensor that fails now and then still works). */
  lastOkMs?: number;
}

/**
 * Per-device state with bounded memory: a {@link BoundedMap} of at most `maxDevices` entries for
 * everything heard (rotating random addresses churn through it), plus pinned entries for enrolled
 * devices that are never evicted, so their replay counters survive a flood of strangers.
 */
export class DeviceTable {
  private readonly lru: BoundedMap<string, DeviceEntry>;
  private readonly pinned = new Map<string, DeviceEntry>();
  /** Entries forgotten to make room for newer ones (`evicted`): strangers, never enrolled devices. */
  readonly forgotten = new DropCounter();

  constructor(maxDevices: number) {
    if (!(maxDevices >= 1)) throw new Error('maxDevices must be at least 1');
    this.lru = new BoundedMap(maxDevices, () => this.forgotten.count('evicted'));
  }

  /** Entries evicted so far. */
  get evicted(): number {
    return this.forgotten.byCause.evicted ?? 0;
  }

  /** Entry for `mac`, created if new; refreshes its LRU position. */
  touch(mac: string, nowMs: number, rssi: number): DeviceEntry {
    let e = this.pinned.get(mac) ?? this.lru.get(mac);
    if (!e) {
      e = { mac, rssi, lastSeenMs: nowMs };
      this.lru.set(mac, e);
    }
    e.lastSeenMs = nowMs;
    e.rssi = rssi;
    return e;
  }

  /** Entry without refreshing it. */
  get(mac: string): DeviceEntry | undefined {
    return this.pinned.get(mac) ?? this.lru.peek(mac);
  }

  /** Keeps `mac` regardless of LRU pressure (enrolled device); resets its counter state. */
  pin(mac: string): void {
    const e = this.lru.peek(mac) ?? this.pinned.get(mac) ?? { mac, rssi: -127, lastSeenMs: 0 };
    this.lru.delete(mac);
    e.lastCounter = undefined;
    e.lastSig = undefined;
    e.lastOkMs = undefined; // paired anew: what decoded before says nothing about the new key or model
    this.pinned.set(mac, e);
  }

  /** Returns an enrolled device to the LRU (it may then be evicted). */
  unpin(mac: string): void {
    const e = this.pinned.get(mac);
    if (!e) return;
    this.pinned.delete(mac);
    e.lastCounter = undefined;
    e.lastSig = undefined;
    if (e.lastSeenMs > 0) this.lru.set(mac, e);
  }

  /** Number of entries (LRU plus pinned). */
  get size(): number {
    return this.lru.size + this.pinned.size;
  }

  /** Entries heard at least once, most recent first. */
  entries(): DeviceEntry[] {
    const all: DeviceEntry[] = [];
    for (const e of this.pinned.values()) if (e.lastSeenMs > 0) all.push(e);
    for (const e of this.lru.values()) all.push(e);
    return all.sort((a, b) => b.lastSeenMs - a.lastSeenMs);
  }
}
