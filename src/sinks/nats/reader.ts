import type { LogCursor, LogEntry } from '../../pipeline/message-log';
import type { Logger } from '../../util/log';

/**
 * Takes entries from the sink's cursor without ever waiting in the writer loop: a pending entry
 * comes from poll(); otherwise one next() is outstanding at a time and `onReady` fires when it lands.
 */
export class CursorReader {
  private pending = false;
  private ready: { e: LogEntry | undefined } | undefined;

  constructor(
    private readonly cursor: LogCursor,
    private readonly onReady: () => void,
    private readonly log: Logger,
  ) {}

  /** The next entry; null when none is there yet (onReady follows), undefined once the log is closed. */
  take(): LogEntry | undefined | null {
    if (this.ready) {
      const { e } = this.ready;
      this.ready = undefined;
      return e;
    }
    if (this.pending) return null;
    const polled = this.cursor.poll();
    if (polled) return polled;
    this.pending = true;
    this.cursor.next().then(
      (e) => this.land(e),
      (err: Error) => {
        this.log.error({ err: err.message }, 'nats sink: cursor failed');
        this.land(undefined);
      },
    );
    return null;
  }

  private land(e: LogEntry | undefined): void {
    this.pending = false;
    this.ready = { e };
    this.onReady();
  }
}
