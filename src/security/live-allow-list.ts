import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../util/log';
import { readAllowList } from './curve-keys';

/** What set off a reload: the file watcher, the stat poll, or an operator (SIGHUP). */
export type ReloadTrigger = 'watch' | 'poll' | 'signal';

/** Options of a {@link LiveAllowList}. */
export interface LiveAllowListOptions {
  /** Stat the file this often as a fallback for fs.watch (network file systems, symlinks); 0 = never. */
  pollMs?: number;
  /** Use fs.watch on the file's directory (default true). */
  watch?: boolean;
  /** Wait this long after a change before reading: editors write in steps. */
  settleMs?: number;
}

/** The allow-list's figures for `lowband status` (the publish sink's `curve.allowList`). */
export interface AllowListStatus {
  file: string;
  keys: number;
  /** When the list in force was read, ISO 8601. */
  loadedAt: string;
  /** Successful reloads since start (not the first load). */
  reloads: number;
  /** Reloads that failed and kept the previous list. */
  failures: number;
}

/**
 * `upstream.curve.allowed_clients_file`, kept live: reloaded when it changes (fs.watch on its
 * directory, so an editor's rename-over is seen, plus a stat poll as the fallback) and on
 * demand (SIGHUP). A file that turns unreadable or malformed keeps the previous list in force
 * and raises an alarm until a reload succeeds: a typo must not open the gateway or lock every
 * backend out. Each new list is handed to `apply` (the ZAP handler), which uses it from the
 * next handshake on.
 */
export class LiveAllowList {
  private keys = new Set<string>();
  private loadedAt = new Date(0);
  private reloads = 0;
  private failures = 0;
  private failure: string | undefined;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private lastStat = '';
  private running: Promise<boolean> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    readonly file: string,
    private readonly log: Logger,
    private readonly apply: (keys: ReadonlySet<string>) => void,
    private readonly opts: LiveAllowListOptions = {},
  ) {}

  /** The first load: throws (a config error for the caller) when the file is unusable. */
  async load(): Promise<ReadonlySet<string>> {
    this.lastStat = await this.statKey();
    this.keys = await readAllowList(this.file);
    this.loadedAt = new Date();
    return this.keys;
  }

  /** Starts watching; call after load(). */
  start(): void {
    if (this.opts.watch !== false) {
      try {
        const name = basename(this.file);
        this.watcher = watch(dirname(this.file), { persistent: false }, (_event, f) => {
          if (f === null || f === name) this.schedule('watch');
        });
        this.watcher.on('error', () => this.closeWatcher()); // the poll carries on
      } catch {
        this.watcher = undefined; // e.g. the directory does not support inotify: the poll covers it
      }
    }
    const pollMs = this.opts.pollMs ?? 5000;
    if (pollMs > 0) {
      this.pollTimer = setInterval(() => void this.poll(), pollMs);
      this.pollTimer.unref();
    }
  }

  /**
   * Reads the file again now and applies it. Resolves true when a new list is in force, false
   * when the file was unusable (previous list kept, alarm set). Never throws.
   */
  reload(trigger: ReloadTrigger): Promise<boolean> {
    if (this.running) {
      // One read at a time; a change seen meanwhile is read once more afterwards.
      this.again = true;
      return this.running;
    }
    this.running = this.readAndApply(trigger).finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.reload(trigger);
      }
    });
    return this.running;
  }

  /** Set while the file is unusable and an older list is in force. */
  get alarm(): string | undefined {
    return this.failure;
  }

  status(): AllowListStatus {
    return { file: this.file, keys: this.keys.size, loadedAt: this.loadedAt.toISOString(), reloads: this.reloads, failures: this.failures };
  }

  stop(): void {
    this.stopped = true;
    this.closeWatcher();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.pollTimer = this.settleTimer = undefined;
  }

  private async readAndApply(trigger: ReloadTrigger): Promise<boolean> {
    const seen = await this.statKey();
    let next: Set<string>;
    try {
      next = await readAllowList(this.file);
    } catch (err) {
      this.failures++;
      this.lastStat = seen;
      const reason = (err as Error).message;
      if (this.failure === undefined) this.log.error({ file: this.file, trigger, reason, keptKeys: this.keys.size }, 'allow-list unusable: keeping the previous list');
      this.failure = `allow-list ${this.file} unusable since ${new Date().toISOString()} (${reason}); the ${this.keys.size} keys loaded at ${this.loadedAt.toISOString()} stay in force`;
      return false;
    }
    if (this.stopped) return false;
    this.lastStat = seen;
    const added = [...next].filter((k) => !this.keys.has(k)).length;
    const removed = [...this.keys].filter((k) => !next.has(k)).length;
    this.keys = next;
    this.loadedAt = new Date();
    this.reloads++;
    this.failure = undefined;
    this.apply(next);
    this.log.info({ file: this.file, trigger, keys: next.size, added, removed }, 'allow-list reloaded');
    return true;
  }

  private schedule(trigger: ReloadTrigger): void {
    if (this.stopped) return;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      void this.reload(trigger);
    }, this.opts.settleMs ?? 100);
    this.settleTimer.unref();
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.running) return;
    const now = await this.statKey();
    if (now !== this.lastStat) this.schedule('poll');
  }

  /** Identity and version of the file as stat sees it (through symlinks); '' when missing. */
  private async statKey(): Promise<string> {
    try {
      const s = await stat(this.file);
      return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch (err) {
      return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
    }
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
