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

/**
 * A pause before sending again after the server refused, timed by a Backoff. All failures of
 * one window arrive together: while a pause runs, more of them neither lengthen it nor step
 * the backoff, so one refused round of 1,000 publishes is one step, not a jump to the maximum.
 */
export class Pause {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly backoff: Backoff,
    private readonly onEnd: () => void,
  ) {}

  get active(): boolean {
    return this.timer !== undefined;
  }

  /** Starts a pause of the backoff's next wait, unless one runs. */
  begin(): void {
    if (this.timer) return;
    // A timer ends the pause, not a clock reading: the wall clock can step back (NTP).
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onEnd();
    }, this.backoff.next());
    this.timer.unref();
  }

  /** The server took a publish: the next refusal waits the shortest time again. */
  succeeded(): void {
    this.backoff.reset();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
