/**
 * Counts drops by cause. Every part that can lose or refuse something owns one, and its
 * `byCause` is what `lowband status` shows: one shape for every drop in the gateway.
 */
export class DropCounter {
  readonly byCause: Record<string, number> = {};

  /** Adds `n` drops of `cause`; returns the new count for that cause (1 = first time: log it). */
  count(cause: string, n = 1): number {
    return (this.byCause[cause] = (this.byCause[cause] ?? 0) + n);
  }

  get total(): number {
    let t = 0;
    for (const v of Object.values(this.byCause)) t += v;
    return t;
  }
}
