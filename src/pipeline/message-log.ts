/**
 * The message log: every encoded message the gateway emits is appended once, in seq order;
 * each sink reads it through its own cursor. The in-memory log (memory-log.ts) and the
 * durable spool (src/spool/) both implement this contract, so sinks never know which one
 * they read from.
 */

/** One encoded wire message (3 frames) with its gateway sequence number. */
export interface LogEntry {
  seq: bigint;
  frames: [topic: Buffer, header: Buffer, body: Buffer];
}

/** What a sink may hold back before the oldest messages are dropped for it. */
export interface CursorLimits {
  maxMessages: number;
  maxBytes: number;
  /** `drop-oldest` (default) advances the cursor past old messages; `drop-newest` refuses new ones for this sink. */
  overflow: 'drop-oldest' | 'drop-newest';
}

/** A sink's view of the log. */
export interface LogCursor {
  readonly name: string;
  /**
   * Next entry after the read position; waits until one is appended.
   * Resolves `undefined` once the cursor or log is closed.
   */
  next(): Promise<LogEntry | undefined>;
  /** Like next() but never waits: `undefined` when nothing is pending. */
  poll(): LogEntry | undefined;
  /** Everything up to and including `seq` is delivered; it may be forgotten for this sink. */
  commit(seq: bigint): void;
  /** Move the read position back to just after the last commit (for resends). */
  rewind(): void;
  /** Stop waiting readers; next() resolves `undefined`. */
  close(): void;
  /** Messages and bytes appended but not yet committed by this sink. */
  backlog(): { messages: number; bytes: number };
  /**
   * Entries with seq <= this may have been sent before (by a previous run, or an earlier cursor
   * of the same name in this run): a sink sends them flagged as redelivery. 0n when nothing was.
   */
  readonly replayUntil: bigint;
  /** Last committed seq (0n before any). */
  readonly committed: bigint;
  /** Messages this sink lost to overflow, by cause. */
  readonly drops: Record<string, number>;
}

/** The append side plus cursor factory. */
export interface MessageLog {
  /** Takes the entry; false when this log refused it (it counts why). */
  append(entry: LogEntry): boolean;
  openCursor(name: string, limits: CursorLimits): LogCursor;
  /** Flush and release resources; cursors are closed. */
  close(): Promise<void>;
  /**
   * Durable logs only: hand every appended entry to the OS (the file's page cache) now, so a
   * process crash cannot lose it. Their own cursors do this before handing an entry out.
   */
  flush?(): void;
  /** Non-durable logs: call `barrier` before any of their readers sees an entry. */
  setReadBarrier?(barrier: () => void): void;
}

/** Bytes a log entry occupies, for byte limits. */
export function entryBytes(e: LogEntry): number {
  return e.frames[0].length + e.frames[1].length + e.frames[2].length;
}

/**
 * Appends every entry to several logs (the memory log for lossy sinks, the spool for durable
 * ones); cursors are opened on the individual logs. Write-ahead is structural here: durable
 * logs are appended first, and the readers of the others pass a barrier that flushes the
 * durable ones, so no sink (the publish sink included) can see an entry before it is in the
 * spool file, and a kill -9 loses nothing any subscriber saw.
 */
export class FanoutLog implements MessageLog {
  private readonly durable: MessageLog[];
  private readonly volatile: MessageLog[];
  /**
   * Set when a durable log is among them: writes it out. Whatever hands accepted readings to
   * the outside other than through a cursor (a service's tap) must call it first.
   */
  readonly flush?: () => void;

  constructor(logs: MessageLog[]) {
    const durable = (this.durable = logs.filter((l) => l.flush));
    const volatile = (this.volatile = logs.filter((l) => !l.flush));
    if (durable.length === 0) return;
    const barrier = (): void => {
      for (const d of durable) d.flush!();
    };
    this.flush = barrier;
    for (const l of volatile) {
      if (!l.setReadBarrier) throw new Error('a log beside a durable one must let its readers wait for the durable write');
      l.setReadBarrier(barrier);
    }
  }

  /**
   * The durable logs first; an entry one of them refused (closed, out of seq order, too big to
   * store; each counted there) is not handed to the others either: no subscriber may see a
   * reading the spool file never got, which the durable sinks would then never deliver.
   */
  append(entry: LogEntry): boolean {
    for (const d of this.durable) if (!d.append(entry)) return false;
    for (const v of this.volatile) v.append(entry);
    return true;
  }

  openCursor(): LogCursor {
    throw new Error('open cursors on the individual logs of a FanoutLog');
  }

  async close(): Promise<void> {
    for (const l of [...this.durable, ...this.volatile]) await l.close();
  }
}
