import path from 'node:path';
import type { DropCounter } from '../util/drop-counter';
import type { Logger } from '../util/log';
import { errCode, type SpoolFiles } from './files';

/**
 * cursors.json: the committed seq of every durable sink, written atomically at most every
 * `minIntervalMs`, and which names this run opened (only those hold retention). A lost or
 * stale file only causes redelivery, never loss, so write errors are retried on later ticks.
 */

const CURSORS_FILE = 'cursors.json';
/**
 * A saved cursor name not opened this long after the first cursor open belongs to a sink that is no
 * longer configured. The delay keeps a name alive while the gateway is still opening its sinks.
 */
const STALE_CURSOR_MS = 1000;

/** The persisted cursor positions of one spool directory. */
export class SavedCursors {
  private readonly seqs = new Map<string, bigint>();
  private dirty = false;
  private lastPersist = 0;
  /** Names opened this run (closed ones included). */
  private readonly opened = new Set<string>();
  private firstOpenAt = 0;
  private staleChecked = false;
  private failure: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly files: SpoolFiles,
    private readonly log: Logger,
    private readonly drops: DropCounter,
    private readonly minIntervalMs: number,
  ) {}

  /** Read cursors.json; an unreadable one is logged and treated as empty. */
  load(): void {
    try {
      const text = this.files.readText(path.join(this.dir, CURSORS_FILE));
      if (text === undefined) return;
      const o = JSON.parse(text) as { cursors?: Record<string, string> };
      for (const [name, seq] of Object.entries(o.cursors ?? {})) {
        if (/^\d+$/.test(seq)) this.seqs.set(name, BigInt(seq));
      }
    } catch (err) {
      // Losing cursor positions means resending from the oldest record: duplicates, not loss.
      this.log.error({ err: (err as Error).message }, 'spool: cursors.json unreadable, cursors restart at the oldest record');
    }
  }

  get(name: string): bigint | undefined {
    return this.seqs.get(name);
  }

  set(name: string, seq: bigint): void {
    this.seqs.set(name, seq);
    this.dirty = true;
  }

  entries(): IterableIterator<[string, bigint]> {
    return this.seqs.entries();
  }

  /** Was `name` opened in this run? */
  wasOpened(name: string): boolean {
    return this.opened.has(name);
  }

  markOpened(name: string): void {
    if (this.opened.size === 0) this.firstOpenAt = Date.now();
    this.opened.add(name);
  }

  /** Lowest committed seq of the names opened this run: what retention must keep after. */
  minOpened(): bigint | undefined {
    let min: bigint | undefined;
    for (const name of this.opened) {
      const seq = this.seqs.get(name);
      if (seq !== undefined && (min === undefined || seq < min)) min = seq;
    }
    return min;
  }

  /** Lowest committed seq of the saved names not in `open` (sinks restarting or not started yet). */
  minExcept(open: { has(name: string): boolean }): bigint | undefined {
    let min: bigint | undefined;
    for (const [name, seq] of this.seqs) if (!open.has(name) && (min === undefined || seq < min)) min = seq;
    return min;
  }

  /**
   * Once every configured sink had time to open its cursor, forget saved names no sink opened:
   * they would otherwise sit in cursors.json forever. Returns the forgotten names.
   */
  forgetStale(): string[] {
    if (this.staleChecked || this.opened.size === 0 || Date.now() - this.firstOpenAt < STALE_CURSOR_MS) return [];
    this.staleChecked = true;
    const stale = [...this.seqs.keys()].filter((n) => !this.opened.has(n));
    if (stale.length === 0) return [];
    for (const name of stale) this.seqs.delete(name);
    this.dirty = true;
    this.log.warn({ cursors: stale }, 'spool: forgetting cursors of sinks no longer configured');
    return stale;
  }

  /** Write cursors.json if something changed (and, unless `force`, the interval has passed). */
  persist(force: boolean): void {
    if (!this.dirty) return;
    const now = Date.now();
    if (!force && now - this.lastPersist < this.minIntervalMs) return;
    const cursors: Record<string, string> = {};
    for (const [name, seq] of this.seqs) cursors[name] = seq.toString();
    try {
      this.files.writeTextAtomic(path.join(this.dir, CURSORS_FILE), JSON.stringify({ version: 1, cursors }) + '\n');
      this.dirty = false;
      this.lastPersist = now;
      if (this.failure) this.log.warn('spool: cursors.json written again');
      this.failure = undefined;
    } catch (err) {
      // Stale positions only cause redelivery; keep trying on later ticks.
      if (this.drops.count('cursor_persist_errors') === 1) this.log.error({ err: errCode(err) }, 'spool: cannot write cursors.json');
      this.failure = errCode(err);
    }
  }

  /** Set while cursors.json cannot be written: after a restart the sinks would resend from older positions. */
  get alarm(): string | undefined {
    return this.failure && `cannot write cursors.json (${this.failure}): after a restart sinks resend from older positions; retrying`;
  }
}
