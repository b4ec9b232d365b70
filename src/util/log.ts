import pino from 'pino';
import { formatLogLine } from './log-format';

/** The project's logger type (pino). */
export type Logger = pino.Logger;

/** Keys whose values never reach a log line, wherever they sit in the object. */
const REDACT = [
  'key', 'bindkey', 'nwkskey', 'appskey', 'appkey', 'password', 'secret', 'secret_key',
  '*.key', '*.bindkey', '*.nwkskey', '*.appskey', '*.password', '*.secret', '*.secret_key',
];

/**
 * JSON lines to stdout (journald keeps them); `pretty` gives a short human form for `demo`.
 * Secrets are redacted by key name as a second line of defence: code must not log them at all.
 */
export function createLogger(level: string, opts: { pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { name: 'lowband' },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (opts.pretty) return pino(options, new HumanLines(opts.destination ?? process.stderr));
  return pino(options, (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false }));
}

/** Turns pino JSON lines into `HH:MM:SS LEVEL msg k=v` for people watching `lowband demo`. */
class HumanLines implements pino.DestinationStream {
  constructor(private readonly out: NodeJS.WritableStream) {}
  write(line: string): void {
    this.out.write(formatLogLine(line.trimEnd()) + '\n');
  }
}

/**
 * Logs the first occurrence of a repeated problem at once, then at most one line per
 * `intervalMs` per topic, with how many were suppressed: an unplugged modem retrying every
 * second must not fill the journal.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
    private readonly maxTopics = 256,
    private readonly now: () => number = Date.now,
  ) {}

  warn(topic: string, obj: object, msg: string): void {
    this.emit('warn', topic, obj, msg);
  }
  error(topic: string, obj: object, msg: string): void {
    this.emit('error', topic, obj, msg);
  }

  /** Forget a topic so the next occurrence logs at once (e.g. after the modem came back). */
  reset(topic: string): void {
    this.last.delete(topic);
  }

  private emit(level: 'warn' | 'error', topic: string, obj: object, msg: string): void {
    const now = this.now();
    const seen = this.last.get(topic);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    if (!seen && this.last.size >= this.maxTopics) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(topic, { at: now, suppressed: 0 });
    this.log[level](suppressed > 0 ? { ...obj, suppressed } : obj, msg);
  }
}
