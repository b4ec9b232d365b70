import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../../util/atomic-file';
import type { Logger } from '../../../util/log';
import type { FcntTracker } from './fcnt';

/** File name of the FCnt state inside the gateway's state_dir. */
export const FCNT_STATE_FILE = 'lorawan-fcnt.json';
/** How often changed counters are written. */
export const FCNT_FLUSH_MS = 5000;

interface StateFile {
  version: 1;
  fcnt: Record<string, number>;
}

/**
 * Keeps the tracker's last verified 32-bit FCnt per DevAddr/direction across restarts, so ABP
 * devices past 65535 verify right after a gateway restart. Writes off the hot path: a timer
 * writes at most every few seconds, only when a counter moved, asynchronously (temp file, fsync,
 * rename); close() writes synchronously once. Losing the last few seconds is harmless: the
 * counters only move forward by a few frames in that time, well inside the tracker's window.
 */
export class FcntStore {
  readonly path: string;
  private savedVersion = -1;
  private timer?: NodeJS.Timeout;
  private writing = false;
  private closed = false;
  private failedLogged = false;
  /** The last persistence error (unreadable file at start, failed write), until a write succeeds. */
  private failure: string | undefined;

  constructor(stateDir: string, private readonly tracker: FcntTracker, private readonly log: Logger, intervalMs = FCNT_FLUSH_MS) {
    this.path = join(stateDir, FCNT_STATE_FILE);
    this.load();
    this.savedVersion = tracker.version;
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Reads the file into the tracker; a missing file is a first start, a corrupt one is logged once and ignored. */
  private load(): void {
    if (!existsSync(this.path)) return;
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<StateFile>;
      if (parsed?.version !== 1 || parsed.fcnt === null || typeof parsed.fcnt !== 'object' || Array.isArray(parsed.fcnt)) {
        throw new Error('unexpected content');
      }
      const n = this.tracker.restore(parsed.fcnt);
      this.log.info({ devices: n }, 'LoRaWAN frame counters restored');
    } catch (e) {
      const err = e instanceof Error ? e.message : String(e);
      this.failure = `${this.path} unreadable at start (${err}): frame counters started empty`;
      this.log.warn({ file: this.path, err }, 'LoRaWAN FCnt state file unreadable; starting without counters');
    }
  }

  private serialise(): { text: string; version: number } {
    const version = this.tracker.version;
    const body: StateFile = { version: 1, fcnt: this.tracker.snapshot() };
    return { text: JSON.stringify(body), version };
  }

  /** Writes the counters if they moved since the last write; never throws. */
  async flush(): Promise<void> {
    if (this.writing || this.closed || this.tracker.version === this.savedVersion) return;
    this.writing = true;
    const { text, version } = this.serialise();
    try {
      // close() may have written a newer copy while this one was in flight: then keep that.
      if (await writeFileAtomic(this.path, text, { mode: 0o600, beforeRename: () => !this.closed })) {
        this.savedVersion = version;
        this.failure = undefined;
        this.failedLogged = false;
      }
    } catch (e) {
      this.failure = `cannot write ${this.path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): frame counters are not persisted; retrying`;
      if (!this.failedLogged) {
        this.failedLogged = true;
        this.log.warn({ file: this.path, err: e instanceof Error ? e.message : String(e) }, 'cannot write LoRaWAN FCnt state; will retry');
      }
    } finally {
      this.writing = false;
    }
  }

  /** Set while the counters on disk are not the tracker's (see `failure`); shown as an alarm. */
  get alarm(): string | undefined {
    return this.failure;
  }

  /** Stops the timer and writes the final counters synchronously (shutdown only). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tracker.version === this.savedVersion) return;
    try {
      writeFileAtomicSync(this.path, this.serialise().text, 0o600);
    } catch (e) {
      this.log.warn({ file: this.path, err: e instanceof Error ? e.message : String(e) }, 'cannot write LoRaWAN FCnt state at shutdown');
    }
  }
}
