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
 * generations of one window each, swapped wholesale, so the per-reading cost is two set
 * lookups and no per-key expiry (a repeat is caught for at least `windowMs`, at most twice
 * that). Bounded: a generation that reaches `maxKeys` is swapped early. (Not a BoundedMap:
 * whole-generation expiry is cheaper per reading than LRU bookkeeping, and no key needs recency.)
 */
export class RecentKeys {
  private current = new Set<string>();
  private previous = new Set<string>();
  private generationStart = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** True when `key` was already seen within the window (and so is a duplicate). */
  isDuplicate(key: Buffer, nowMs: number): boolean {
    if (this.windowMs <= 0) return false;
    if (nowMs - this.generationStart >= this.windowMs || nowMs < this.generationStart) {
      // After a long silence the previous generation is older than the window too.
      this.previous = nowMs - this.generationStart >= 2 * this.windowMs ? new Set() : this.current;
      this.current = new Set();
      this.generationStart = nowMs;
    }
    const k = key.toString('latin1');
    if (this.current.has(k) || this.previous.has(k)) return true;
    if (this.current.size >= this.maxKeys) {
      this.previous = this.current;
      this.current = new Set();
      this.generationStart = nowMs;
    }
    this.current.add(k);
    return false;
  }
}
