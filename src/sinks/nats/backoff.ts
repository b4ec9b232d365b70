/**
 * Exponential backoff with jitter: doubles from `minMs` up to `maxMs`, each wait drawn from
 * [d/2, d] so a fleet of gateways that lost one server does not come back in step.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait before the next attempt; each call counts one more failure. */
  next(): number {
    const d = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.max(1, Math.round(d / 2 + (this.random() * d) / 2));
  }

  /** A success: the next failure starts from `minMs` again. */
  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
