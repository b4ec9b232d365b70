/**
 * Publishes read from the cursor and not yet committed, in log order. JetStream acks may come
 * back in any order (replicas, resends across a reconnect), so acks are folded into a contiguous
 * done prefix and only that prefix is committed. Entries to send again wait in a FIFO of their own.
 */
import type { LogEntry } from '../../pipeline/message-log';
import { Fifo } from '../../util/fifo';

/** One log entry on its way into the stream. */
export interface Slot {
  entry: LogEntry;
  /** Bumped per send: a late failure of an older attempt does not queue a second resend. */
  attempt: number;
  done: boolean;
  /** Waiting in the resend queue. */
  queued: boolean;
}

/** The sink's in-flight window. */
export class PublishWindow {
  private readonly slots = new Fifo<Slot>();
  private readonly resends = new Fifo<Slot>();
  private undone = 0;

  /** Entries held (acknowledged ones behind an unacknowledged head included): the window's use. */
  get size(): number {
    return this.slots.length;
  }

  /** Entries not yet acknowledged. */
  get pending(): number {
    return this.undone;
  }

  /** Entries waiting to be sent again. */
  get queued(): number {
    return this.resends.length;
  }

  add(entry: LogEntry): Slot {
    const s: Slot = { entry, attempt: 0, done: false, queued: false };
    this.slots.push(s);
    this.undone++;
    return s;
  }

  /**
   * Marks `slot` acknowledged; returns the seq now safe to commit (the end of the contiguous
   * acknowledged prefix), or undefined when the prefix did not move.
   */
  ack(slot: Slot): bigint | undefined {
    if (slot.done) return undefined;
    slot.done = true;
    this.undone--;
    let commit: bigint | undefined;
    while (this.slots.length > 0 && this.slots.peek()!.done) commit = this.slots.shift()!.entry.seq;
    return commit;
  }

  /** Queue one entry to be sent again (once, however many failures report it). */
  resend(slot: Slot): void {
    if (slot.done || slot.queued) return;
    slot.queued = true;
    this.resends.push(slot);
  }

  /** Everything unacknowledged goes to the resend queue, oldest first (the connection was lost). */
  resendAll(): void {
    for (const s of this.slots) this.resend(s);
  }

  /** The next entry to send again, or undefined. */
  nextResend(): Slot | undefined {
    for (;;) {
      const s = this.resends.shift();
      if (!s) return undefined;
      s.queued = false;
      if (!s.done) return s;
    }
  }
}
