import { RateLimitedLog, type Logger } from '../../util/log';
import { formatMac, type PairingProblem } from './pairing';

/** At most one WARN per sensor and problem this often: a sensor advertising every second must not fill the journal. */
export const PAIRING_PROBLEM_LOG_MS = 10 * 60_000;
/** Sensors named in the status detail; the rest are counted. */
const SHOWN = 5;

const ADVICE: Record<PairingProblem, string> = {
  auth_failed: 'fails authentication: its bindkey is wrong (or someone sends frames in its name); pair it again with the right --key',
  no_key: 'sends encrypted adverts but was paired without a bindkey; pair it again with --key',
  model_unknown: 'does not say which model it is in its adverts; pair it again with --model',
};

/** Whether a decoder's error is one that only pairing again fixes. */
export function isPairingProblem(error: string): error is PairingProblem {
  return Object.prototype.hasOwnProperty.call(ADVICE, error);
}

/**
 * Paired sensors whose adverts fail for a reason only re-pairing fixes (a wrong or missing
 * bindkey, an unknown model), so that this is never silent: a rate-limited WARN naming the sensor (never the key),
 * and a mark that `scan`, `devices` and `status` show until an advert decodes again. Holds only
 * paired sensors (the adapter asks for no others), so it is bounded by the pairing list.
 */
export class PairingProblems {
  private readonly marks = new Map<string, PairingProblem>();
  private readonly rl: RateLimitedLog;

  constructor(log: Logger, private readonly now: () => number, private readonly intervalMs = PAIRING_PROBLEM_LOG_MS) {
    this.rl = new RateLimitedLog(log, intervalMs, 1024, now);
  }

  /**
   * An advert of the paired sensor `mac` (12 hex digits) failed with `problem`. A sensor that
   * decoded within the last interval (`lastOkMs`) is working: a stray failure (a SwitchBot's
   * model-less advert between its full ones, a forged frame) is only counted, not marked.
   */
  failed(mac: string, problem: PairingProblem, name: string | undefined, lastOkMs: number | undefined): void {
    if (lastOkMs !== undefined && this.now() - lastOkMs < this.intervalMs) return;
    this.marks.set(mac, problem);
    const shown = formatMac(mac);
    this.rl.warn(`${problem}:${mac}`, { mac: shown, ...(name ? { label: name } : {}), error: problem },
      `BLE sensor ${shown}${name ? ` (${name})` : ''} ${ADVICE[problem]}`);
  }

  /** An advert of `mac` decoded: whatever was wrong is fixed, and a new failure is logged at once. */
  decoded(mac: string): void {
    const had = this.marks.get(mac);
    if (had === undefined) return;
    this.marks.delete(mac);
    this.rl.reset(`${had}:${mac}`);
  }

  /** Forgets `mac` (unpaired or paired again: the next advert tells). */
  forget(mac: string): void {
    this.decoded(mac);
  }

  /** The mark of `mac`, if any. */
  get(mac: string): PairingProblem | undefined {
    return this.marks.get(mac);
  }

  get size(): number {
    return this.marks.size;
  }

  /** `auth_failed: aa:bb:cc:dd:ee:ff (porch); no_key: ...` for the status detail, bounded in length. */
  summary(nameOf: (mac: string) => string | undefined): string | undefined {
    if (this.marks.size === 0) return undefined;
    const by = new Map<PairingProblem, string[]>();
    let shown = 0;
    for (const [mac, problem] of this.marks) {
      if (shown++ >= SHOWN) break;
      const name = nameOf(mac);
      const list = by.get(problem) ?? [];
      list.push(`${formatMac(mac)}${name ? ` (${name.slice(0, 32)})` : ''}`);
      by.set(problem, list);
    }
    const parts = [...by].map(([problem, list]) => `${problem}: ${list.join(', ')}`);
    if (this.marks.size > SHOWN) parts.push(`and ${this.marks.size - SHOWN} more`);
    return parts.join('; ');
  }
}
