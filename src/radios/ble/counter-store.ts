import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../util/atomic-file';
import type { Logger } from '../../util/log';

/** File name of the BLE replay counters inside the gateway's state_dir. */
export const BLE_COUNTER_FILE = 'ble-counters.json';
/** How often changed counters are written. */
export const BLE_COUNTER_FLUSH_MS = 5000;
/** Counters are not secret, but only the service and its group have any business reading them. */
const FILE_MODE = 0o640;

/** The last authenticated reading of one sensor: its format, counter and the advert bytes it came in. */
export interface StoredCounter {
  fmt: string;
  counter: number;
  /** Signature of the advert (so its repeats after a restart are duplicates, not replays). */
  sig?: string;
}

interface StateFile {
  version: 1;
  counters: Record<string, StoredCounter>;
}

function valid(v: unknown): v is StoredCounter {
  const c = v as StoredCounter;
  return !!c && typeof c === 'object' && typeof c.fmt === 'string' && Number.isSafeInteger(c.counter) && c.counter >= 0 &&
    (c.sig === undefined || typeof c.sig === 'string');
}

/**
 * The highest authenticated counter per enrolled BLE sensor, kept across restarts so that a
 * recorded frame replayed after a restart is still refused. Shaped like the LoRaWAN FcntStore:
 * a timer writes at most every few seconds, only when something changed, atomically (temp file,
 * fsync, rename) with mode 0640; close() writes synchronously once. Losing the last few seconds
 * to a power cut reopens only the frames of those seconds. Holds only enrolled devices (only
 * they have keys), so its size is bounded by the pairing list.
 */
export class BleCounterStore {
  readonly path: string;
  private readonly counters = new Map<string, StoredCounter>();
  private version = 0;
  private savedVersion = 0;
  private timer?: NodeJS.Timeout;
  private writing = false;
  private loaded = false;
  private closes = 0;
  private loadProblem?: string;
  private writeProblem?: string;
  /** Failed reads and writes of the file so far. */
  failures = 0;

  constructor(stateDir: string, private readonly log: Logger, private readonly intervalMs = BLE_COUNTER_FLUSH_MS) {
    this.path = join(stateDir, BLE_COUNTER_FILE);
  }

  /** Set while the counters are not safely on disk (unreadable at start, or the last write failed). */
  get alarm(): string | undefined {
    return this.writeProblem ?? this.loadProblem;
  }

  /** Loads the file (a missing one is a first start) and starts the write timer; idempotent. */
  open(): void {
    if (this.timer) return;
    if (!this.loaded) this.load();
    this.loaded = true;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private load(): void {
    if (!existsSync(this.path)) return;
    try {
      let parsed: Partial<StateFile>;
      try {
        parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<StateFile>;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code) throw e;
        throw new Error('not valid JSON');
      }
      if (parsed?.version !== 1 || !parsed.counters || typeof parsed.counters !== 'object' || Array.isArray(parsed.counters)) {
        throw new Error('unexpected content');
      }
      for (const [mac, c] of Object.entries(parsed.counters)) {
        if (/^[0-9a-f]{12}$/.test(mac) && valid(c)) this.counters.set(mac, { fmt: c.fmt, counter: c.counter, ...(c.sig ? { sig: c.sig } : {}) });
      }
      this.log.info({ devices: this.counters.size }, 'BLE replay counters restored');
    } catch (e) {
      this.failures++;
      this.loadProblem = `${this.path} unreadable at start (${(e as Error).message}): replay counters started empty`;
      this.log.warn({ file: this.path, err: (e as Error).message }, 'BLE replay counter file unreadable; starting without counters');
    }
  }

  /** The stored counter of a 12-hex-digit MAC. */
  get(mac: string): StoredCounter | undefined {
    return this.counters.get(mac);
  }

  /** Records an accepted counter; written by the next flush. */
  set(mac: string, value: StoredCounter): void {
    this.counters.set(mac, value);
    this.version++;
  }

  /** Forgets a device (unpaired, new key, counter restarted). */
  delete(mac: string): void {
    if (this.counters.delete(mac)) this.version++;
  }

  /** Forgets every device not in `keep` (unpaired while the gateway was down). */
  retain(keep: (mac: string) => boolean): void {
    for (const mac of [...this.counters.keys()]) if (!keep(mac)) this.delete(mac);
  }

  private serialise(): string {
    const body: StateFile = { version: 1, counters: Object.fromEntries(this.counters) };
    return JSON.stringify(body);
  }

  /** Writes the counters if they changed since the last write; never throws. */
  async flush(): Promise<void> {
    if (this.writing || this.version === this.savedVersion) return;
    this.writing = true;
    const version = this.version;
    try {
      // close() may have written a newer copy while this one was in flight: then keep that.
      const closes = this.closes;
      if (await writeFileAtomic(this.path, this.serialise(), { mode: FILE_MODE, beforeRename: () => this.closes === closes })) {
        this.savedVersion = version;
        this.written();
      }
    } catch (e) {
      this.writeFailed(e);
    } finally {
      this.writing = false;
    }
  }

  /** Stops the timer and writes the final counters synchronously (shutdown). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.closes++;
    if (this.version === this.savedVersion) return;
    try {
      writeFileAtomicSync(this.path, this.serialise(), FILE_MODE);
      this.savedVersion = this.version;
      this.written();
    } catch (e) {
      this.writeFailed(e);
    }
  }

  private written(): void {
    if (this.writeProblem) this.log.info({ file: this.path }, 'BLE replay counters written again');
    this.writeProblem = undefined;
    this.loadProblem = undefined;
  }

  private writeFailed(e: unknown): void {
    this.failures++;
    const first = this.writeProblem === undefined;
    this.writeProblem = `cannot write ${this.path} (${(e as Error).message}): replay counters not persisted`;
    if (first) this.log.warn({ file: this.path, err: (e as Error).message }, 'cannot write BLE replay counters; will retry');
  }
}
