/** A 32-bit FCnt guess and why it was chosen. */
export interface FcntCandidate {
  fcnt: number;
  /** `first` (nothing known yet), `ahead`, `behind` (a late copy), `reset` (device restarted at 0). */
  reason: 'first' | 'ahead' | 'behind' | 'reset';
}

/**
 * How far behind the last verified FCnt a frame may be and still count as a late copy
 * (LoRaWAN 1.0 MAX_FCNT_GAP); further back it is taken as the next 16-bit roll-over.
 */
const MAX_BEHIND = 16384;
const MAX_FCNT = 0xffffffff;

/**
 * Rebuilds 32-bit frame counters from the 16 bits sent on air, per device and direction.
 * Keeps the last verified full FCnt per key in a bounded LRU so rotating DevAddrs cannot grow memory.
 */
export class FcntTracker {
  private readonly last = new Map<string, number>();

  constructor(private readonly maxDevices = 10_000) {}

  /** The 32-bit values worth trying for this 16-bit FCnt, most likely first (at most 3). */
  candidates(key: string, fcnt16: number): FcntCandidate[] {
    const f = fcnt16 & 0xffff;
    const last = this.last.get(key);
    if (last === undefined) return [{ fcnt: f, reason: 'first' }];
    const ahead = last + ((f - (last & 0xffff)) & 0xffff);
    const behind = ahead - 0x10000;
    const out: FcntCandidate[] = [];
    const push = (fcnt: number, reason: FcntCandidate['reason']): void => {
      if (fcnt >= 0 && fcnt <= MAX_FCNT && !out.some((c) => c.fcnt === fcnt)) out.push({ fcnt, reason });
    };
    if (behind >= 0 && last - behind <= MAX_BEHIND) {
      push(behind, 'behind');
      push(ahead, 'ahead');
    } else {
      push(ahead, 'ahead');
      push(behind, 'behind');
    }
    push(f, 'reset');
    return out.slice(0, 3);
  }

  /** The most likely 32-bit value, without committing it. */
  reconstruct(key: string, fcnt16: number): number {
    return this.candidates(key, fcnt16)[0].fcnt;
  }

  /** Records a verified FCnt; late copies never move the counter backwards, a reset does. */
  commit(key: string, c: FcntCandidate): void {
    const last = this.last.get(key);
    this.last.delete(key);
    const next = last === undefined || c.reason === 'reset' || c.fcnt > last ? c.fcnt : last;
    this.last.set(key, next);
    if (this.last.size > this.maxDevices) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
  }

  /** The last committed 32-bit FCnt for a key, if any. */
  get(key: string): number | undefined {
    return this.last.get(key);
  }

  /** Number of keys tracked. */
  get size(): number {
    return this.last.size;
  }
}
