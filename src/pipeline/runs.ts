import { BoundedMap } from '../util/bounded-map';

/**
 * Tracks runs of identical payloads per device, for keys of readings without a counter:
 * a sensor repeating one advertisement many times gets one run (one key); a different payload,
 * a silence longer than `gapMs`, or a run longer than `maxMs` starts a new one.
 * Bounded: least recently seen devices are forgotten first.
 */
export class RunTracker {
  private readonly runs: BoundedMap<string, { payload: Buffer; startUs: number; lastUs: number }>;

  constructor(
    private readonly gapMs: number,
    private readonly maxMs: number,
    maxDevices = 10_000,
  ) {
    this.runs = new BoundedMap(maxDevices);
  }

  /** Start time (µs) of the run this payload belongs to. */
  runStart(device: string, payload: Buffer, timeUs: number): number {
    const run = this.runs.get(device);
    if (
      run &&
      run.payload.equals(payload) &&
      timeUs - run.lastUs <= this.gapMs * 1000 &&
      timeUs - run.startUs <= this.maxMs * 1000 &&
      timeUs >= run.lastUs
    ) {
      run.lastUs = timeUs;
      return run.startUs;
    }
    this.runs.set(device, { payload: Buffer.from(payload), startUs: timeUs, lastUs: timeUs });
    return timeUs;
  }

  get size(): number {
    return this.runs.size;
  }
}

/**
 * Gateway-local de-duplication: a key seen again within the window (the same transmission
 * heard by two radios, a sensor repeating itself) is forwarded once. Keys live in two
 * generations of one window each, swapped wholesale, so the per-reading cost is two table
 * lookups and no per-key expiry (a repeat is caught for at least `windowMs`, at most twice
 * that). Bounded: a generation that reaches `maxKeys` is swapped early. (Not a BoundedMap:
 * whole-generation expiry is cheaper per reading than LRU bookkeeping, and no key needs recency.)
 */
export class RecentKeys {
  private current = new KeyTable();
  private previous = new KeyTable();
  private generationStart = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Slots of the current generation's table (what its memory is sized by). */
  get capacity(): number {
    return this.current.slotCount;
  }

  /** True when `key` was already seen within the window (and so is a duplicate). */
  isDuplicate(key: Uint8Array, nowMs: number): boolean {
    if (this.windowMs <= 0) return false;
    if (nowMs - this.generationStart >= this.windowMs || nowMs < this.generationStart) {
      // After a long silence the previous generation is older than the window too.
      const capacity = KeyTable.capacityFor(this.current.size);
      this.previous = nowMs - this.generationStart >= 2 * this.windowMs ? new KeyTable() : this.current;
      // At a steady rate the next generation needs the room this one used (and less after a burst).
      this.current = new KeyTable(capacity);
      this.generationStart = nowMs;
    }
    const h = fnv1a(key);
    if (this.current.has(h, key) || this.previous.has(h, key)) return true;
    if (this.current.size >= this.maxKeys) {
      this.previous = this.current;
      this.current = new KeyTable(KeyTable.capacityFor(this.previous.size));
      this.generationStart = nowMs;
    }
    this.current.add(h, key);
    return false;
  }
}

/** FNV-1a over the bytes: cheap, and spreads SHA-256 prefixes and raw frames alike. */
function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619);
  return h;
}

/**
 * One generation of keys: an open-addressing hash table over a byte slab (each key as u32
 * length + bytes). The profile of the UDP path showed a Set of latin1 strings costing a string,
 * its hash and, once 50k of them outlive a scavenge, old-generation GC work per reading; here
 * a key costs a copy into the slab and nothing for the collector. A slot is two neighbouring
 * Int32s (hash, slab offset + 1) so a probe touches one cache line, not two arrays; a table
 * this size misses the cache on nearly every probe.
 */
class KeyTable {
  size = 0;
  private slots: Int32Array; // [hash, slab offset + 1] per slot; offset 0 = empty
  private slab: Buffer;
  private used = 0;

  /** `capacity`: slots to start with (a power of two; see capacityFor). */
  constructor(capacity = 1024) {
    this.slots = new Int32Array(capacity * 2);
    this.slab = Buffer.allocUnsafe(capacity * 8);
  }

  has(h: number, key: Uint8Array): boolean {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = slots[2 * i + 1];
      if (v === 0) return false;
      if (slots[2 * i] === h && this.equals(v - 1, key)) return true;
    }
  }

  add(h: number, key: Uint8Array): void {
    const need = 4 + key.length;
    if (this.used + need > this.slab.length) {
      const next = Buffer.allocUnsafe(Math.max(this.slab.length * 2, this.used + need));
      this.slab.copy(next, 0, 0, this.used);
      this.slab = next;
    }
    const at = this.used;
    this.slab.writeUInt32LE(key.length, at);
    this.slab.set(key, at + 4);
    this.used += need;
    if (++this.size * 4 > this.slots.length) this.grow();
    this.put(h, at + 1);
  }

  private equals(at: number, key: Uint8Array): boolean {
    const s = this.slab;
    const n = key.length;
    if (s.readUInt32LE(at) !== n) return false;
    at += 4;
    for (let i = 0; i < n; i++) if (s[at + i] !== key[i]) return false;
    return true;
  }

  private put(h: number, v: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let i = h & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = v;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.put(old[i], old[i + 1]);
  }

  get slotCount(): number {
    return this.slots.length >> 1;
  }

  /** Slots for `keys` keys at the table's load (at most half full): a power of two, at least 1024. */
  static capacityFor(keys: number): number {
    let c = 1024;
    while (c < keys * 2) c *= 2;
    return c;
  }
}
