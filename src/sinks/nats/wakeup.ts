/**
 * The sink's waiting: one writer loop idles until something changes (an ack, a new entry, a
 * connection, a timer), stop() waits for a drain condition with a deadline, and sleeps between
 * connect attempts are cut short by stop.
 */
export class Wakeup {
  private idler: (() => void) | undefined;
  private waiters: (() => void)[] = [];
  private sleepers = new Set<() => void>();

  /** Something changed: the idle writer and every waiter look again. */
  wake(): void {
    const w = this.idler;
    this.idler = undefined;
    w?.();
    const ws = this.waiters;
    this.waiters = [];
    for (const f of ws) f();
  }

  /** The writer loop's wait for the next wake(). */
  idle(): Promise<void> {
    return new Promise((r) => {
      this.idler = r;
    });
  }

  /** Resolves once `cond` holds or at `deadline` (performance.now(), monotonic), re-checked on every wake and every 50 ms. */
  async until(cond: () => boolean, deadline: number): Promise<void> {
    while (!cond() && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(50, Math.max(1, deadline - performance.now())));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits `ms`, or less if cancelSleeps() is called. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  cancelSleeps(): void {
    for (const f of [...this.sleepers]) f();
  }
}

/** `p`'s value, or undefined after `ms` (a close that may hang on a dead connection). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)));
  return Promise.race([p.catch(() => undefined), late]).finally(() => clearTimeout(t));
}
