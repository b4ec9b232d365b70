import { BoundedMap } from '../../../util/bounded-map';

/** A 32-bit FCnt guess and why it was chosen. */
export interface FcntCandidate {
  fcnt: number;
  /**
   * `first` (nothing known yet), `search` (found by the upper-16-bit search), `ahead`, `behind`
   * (a late copy), `reset` (far behind: a device restart or a replayed old frame, accepted only
   * once confirmed), `confirm` (the next frame after a pending reset), `revert` (ahead of the
   * counter a confirmed reset replaced: the "reset" was a replay).
   */
  reason: 'first' | 'search' | 'ahead' | 'behind' | 'reset' | 'confirm' | 'revert';
}

/** What committing a verified candidate did. */
export type CommitOutcome = 'accepted' | 'pending-reset';

/**
 * How far behind the last verified FCnt a frame may be and still count as a late copy
 * (LoRaWAN 1.0 MAX_FCNT_GAP); further back it is a device reset or a replay.
 */
export const MAX_BEHIND = 16384;
const MAX_FCNT = 0xffffffff;

/** How long a failed upper-16-bit search for a key is not repeated. */
const SEARCH_RETRY_MS = 60_000;
/** At most this many searches (5-45 ms each on x86, more on ARM) per second over all devices. */
export const SEARCHES_PER_SECOND = 2;

interface DeviceCounter {
  last: number;
  /** A reset candidate that verified but is not yet confirmed by an in-order successor. */
  pending?: number;
  /** The counter a confirmed reset replaced; a frame ahead of it proves the reset was a replay. */
  superseded?: number;
}

/**
 * Rebuilds 32-bit frame counters from the 16 bits sent on air, per device and direction.
 * Keeps the last verified full FCnt per key in a bounded LRU so rotating DevAddrs cannot grow memory.
 * A counter only moves backwards after two in-order frames (a lone replayed old frame cannot
 * reset it), and a later frame ahead of the replaced counter undoes such a reset.
 */
export class FcntTracker {
  private readonly state: BoundedMap<string, DeviceCounter>;
  private readonly searchedAt: BoundedMap<string, number>;
  private searchWindow = { start: 0, count: 0 };
  private changes = 0;

  constructor(maxDevices = 10_000) {
    this.state = new BoundedMap(maxDevices);
    this.searchedAt = new BoundedMap(maxDevices);
  }

  /** The 32-bit values worth trying for this 16-bit FCnt, most likely first (at most 5). */
  candidates(key: string, fcnt16: number): FcntCandidate[] {
    const f = fcnt16 & 0xffff;
    const s = this.state.peek(key);
    if (s === undefined) return [{ fcnt: f, reason: 'first' }];
    const last = s.last;
    const ahead = nextWithLow(last, f);
    const out: FcntCandidate[] = [];
    const push = (fcnt: number, reason: FcntCandidate['reason']): void => {
      if (fcnt >= 0 && fcnt <= MAX_FCNT && !out.some((c) => c.fcnt === fcnt)) out.push({ fcnt, reason });
    };
    // Classified by value, not by construction: a low value close behind `last` is a late copy.
    const classify = (v: number): FcntCandidate['reason'] => (v > last ? 'ahead' : last - v <= MAX_BEHIND ? 'behind' : 'reset');
    const behind = ahead - 0x10000;
    if (behind >= 0 && classify(behind) === 'behind') push(behind, 'behind');
    push(ahead, 'ahead');
    if (s.pending !== undefined) {
      const next = nextWithLow(s.pending, f);
      if (next > s.pending && next - s.pending <= MAX_BEHIND) push(next, 'confirm');
    }
    if (s.superseded !== undefined) {
      const next = nextWithLow(s.superseded, f);
      if (next > s.superseded) push(next, 'revert');
    }
    if (behind >= 0) push(behind, classify(behind));
    push(f, classify(f));
    return out;
  }

  /** The most likely 32-bit value, without committing it. */
  reconstruct(key: string, fcnt16: number): number {
    return this.candidates(key, fcnt16)[0].fcnt;
  }

  /**
   * Records a verified FCnt. Late copies never move the counter backwards; a `reset` candidate
   * is only remembered (`pending-reset`: the caller must not trust that frame) until the next
   * in-order frame confirms it.
   */
  commit(key: string, c: FcntCandidate): CommitOutcome {
    const s = this.state.peek(key);
    let outcome: CommitOutcome = 'accepted';
    let next: DeviceCounter;
    if (s === undefined) {
      next = { last: c.fcnt };
    } else {
      switch (c.reason) {
        case 'reset':
          next = { ...s, pending: c.fcnt };
          outcome = 'pending-reset';
          break;
        case 'confirm':
          next = { last: c.fcnt, superseded: Math.max(s.last, s.superseded ?? 0) };
          break;
        case 'revert':
          next = { last: c.fcnt };
          break;
        default:
          next = { ...s, last: Math.max(s.last, c.fcnt) };
          if (next.superseded !== undefined && next.last > next.superseded) delete next.superseded;
      }
    }
    if (s === undefined || next.last !== s.last) this.changes++;
    this.state.set(key, next); // most recently used now; the least recent key goes when full
    return outcome;
  }

  /**
   * Whether an upper-16-bit search may run now for this key: not repeated for a key within a
   * minute, and at most a few per second overall, so a wrong key or junk frames cannot turn
   * every packet into 65k CMACs. Calling it consumes the allowance.
   */
  claimSearch(key: string, now = Date.now()): boolean {
    const at = this.searchedAt.peek(key);
    if (at !== undefined && now - at < SEARCH_RETRY_MS && now >= at) return false;
    if (now - this.searchWindow.start >= 1000 || now < this.searchWindow.start) this.searchWindow = { start: now, count: 0 };
    if (this.searchWindow.count >= SEARCHES_PER_SECOND) return false;
    this.searchWindow.count++;
    this.searchedAt.set(key, now);
    return true;
  }

  /** The last committed 32-bit FCnt for a key, if any. */
  get(key: string): number | undefined {
    return this.state.peek(key)?.last;
  }

  /** Whether a reset for this key waits for confirmation. */
  resetPending(key: string): boolean {
    return this.state.peek(key)?.pending !== undefined;
  }

  /** Number of keys tracked. */
  get size(): number {
    return this.state.size;
  }

  /** Bumped whenever a key's last FCnt changes: the persistence layer writes only when it moved. */
  get version(): number {
    return this.changes;
  }

  /** Every key's last verified FCnt, least recently used first (what is persisted). */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.state.entries()) out[k] = s.last;
    return out;
  }

  /** Seeds keys from a persisted snapshot; values already tracked win. Bad entries are skipped. */
  restore(saved: Record<string, unknown>): number {
    let n = 0;
    for (const [k, v] of Object.entries(saved)) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_FCNT || this.state.has(k)) continue;
      this.state.set(k, { last: v });
      n++;
    }
    return n;
  }
}

/** The smallest value ≥ base whose low 16 bits are `low`. */
function nextWithLow(base: number, low: number): number {
  return base + ((low - (base & 0xffff)) & 0xffff);
}
