import { DropCounter } from '../util/drop-counter';
import { Fifo } from '../util/fifo';
import { entryBytes, type CursorLimits, type LogCursor, type LogEntry, type MessageLog } from './message-log';

/**
 * The in-memory message log: each cursor holds references to the shared entries it has not
 * yet committed, within its own limits, so memory is bounded by the sum of the sinks' limits
 * and a slow sink never holds back a fast one. Used by lossy sinks and when no spool is set.
 */
export class MemoryLog implements MessageLog {
  private readonly cursors = new Set<MemoryCursor>();
  private barrier: () => void = () => undefined;

  /** Readers wait for `barrier` (the spool's write) before they see an entry: write-ahead. */
  setReadBarrier(barrier: () => void): void {
    this.barrier = barrier;
  }

  append(entry: LogEntry): boolean {
    const bytes = entryBytes(entry);
    for (const c of this.cursors) c.push(entry, bytes);
    return true;
  }

  openCursor(name: string, limits: CursorLimits): LogCursor {
    const c = new MemoryCursor(name, limits, () => this.barrier(), () => this.cursors.delete(c));
    this.cursors.add(c);
    return c;
  }

  async close(): Promise<void> {
    for (const c of [...this.cursors]) c.close();
  }
}

/** A sink's bounded queue over the shared log. The first `read` items are in flight (read, not committed). */
class MemoryCursor implements LogCursor {
  private items = new Fifo<{ entry: LogEntry; size: number }>();
  private read = 0; // index of the next entry to hand out
  private bytes = 0;
  private waiter: ((e: LogEntry | undefined) => void) | undefined;
  private wakeQueued = false;
  private closed = false;
  private readonly dropCounter = new DropCounter();
  committed = 0n;
  /** Memory does not outlive the run: nothing here was sent by an earlier one. */
  readonly replayUntil = 0n;

  constructor(
    readonly name: string,
    private readonly limits: CursorLimits,
    private readonly barrier: () => void,
    private readonly onClose: () => void,
  ) {}

  get drops(): Record<string, number> {
    return this.dropCounter.byCause;
  }

  push(entry: LogEntry, size: number): void {
    if (this.closed) return;
    // A waiting reader takes the entry at once, so it does not count against drop-newest.
    const handOver = this.waiter !== undefined && this.read === this.items.length;
    if (!handOver && this.limits.overflow === 'drop-newest' && this.wouldOverflow(size)) {
      this.dropCounter.count('overflow');
      return;
    }
    this.append(entry, size);
    if (handOver && !this.wakeQueued) {
      // Woken once per synchronous burst of appends: the barrier then writes the burst at once.
      this.wakeQueued = true;
      queueMicrotask(this.wake);
    }
    this.enforce();
  }

  private readonly wake = (): void => {
    this.wakeQueued = false;
    const w = this.waiter;
    if (!w) return;
    const e = this.poll();
    if (!e) return;
    this.waiter = undefined;
    w(e);
  };

  private append(entry: LogEntry, size: number): void {
    this.items.push({ entry, size });
    this.bytes += size;
  }

  private wouldOverflow(size: number): boolean {
    return this.items.length + 1 > this.limits.maxMessages || this.bytes + size > this.limits.maxBytes;
  }

  /** Drop oldest entries (in flight first: they are the oldest) until within limits. */
  private enforce(): void {
    while (this.items.length > 0 && (this.items.length > this.limits.maxMessages || this.bytes > this.limits.maxBytes)) {
      this.shift();
      this.dropCounter.count('overflow');
    }
  }

  private shift(): void {
    this.bytes -= this.items.shift()!.size;
    if (this.read > 0) this.read--;
  }

  poll(): LogEntry | undefined {
    if (this.read >= this.items.length) return undefined;
    this.barrier();
    return this.items.at(this.read++)!.entry;
  }

  next(): Promise<LogEntry | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const e = this.poll();
    if (e) return Promise.resolve(e);
    if (this.waiter) return Promise.reject(new Error(`cursor ${this.name}: concurrent next()`));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  commit(seq: bigint): void {
    while ((this.items.peek()?.entry.seq ?? seq + 1n) <= seq) this.shift();
    if (seq > this.committed) this.committed = seq;
  }

  rewind(): void {
    this.read = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.items.clear();
    this.read = this.bytes = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
    this.onClose();
  }

  backlog(): { messages: number; bytes: number } {
    return { messages: this.items.length, bytes: this.bytes };
  }
}
