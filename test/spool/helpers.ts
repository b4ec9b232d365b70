import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { CursorLimits, LogEntry } from '../../src/pipeline/message-log';
import { nodeFiles, type SpoolFiles } from '../../src/spool/files';
import type { Logger } from '../../src/util/log';
import { encodeFrames, Kind, RadioCode } from '../../src/wire/message';

/** Limits that never trigger, so tests see the spool's own behaviour. */
export const OPEN_LIMITS: CursorLimits = { maxMessages: 1e12, maxBytes: 1e15, overflow: 'drop-oldest' };

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix = 'lowband-spool-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A realistic wire message with seq `seq` and a key derived from it. */
export function message(seq: bigint, bodyBytes = 24): LogEntry {
  const key = Buffer.alloc(16);
  key.writeBigUInt64BE(seq, 8);
  return {
    seq,
    frames: encodeFrames('ble/a4c138d5d498', Kind.reading, RadioCode.ble, 0, seq, 1_700_000_000_000_000n, key, {
      gw: 'test-gw',
      dev: 'a4c138d5d498',
      src: 'ble0',
      raw: Buffer.alloc(bodyBytes, Number(seq % 251n)),
    }),
  };
}

/** A pino logger that keeps its JSON lines in `lines`. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

/** Real files, except that writes fail with `code` while `failing` is set. */
export class FaultyFiles implements SpoolFiles {
  failing: string | undefined;
  writeAttempts = 0;
  mkdirp = nodeFiles.mkdirp;
  list = nodeFiles.list;
  openRead = nodeFiles.openRead;
  size = nodeFiles.size;
  read = nodeFiles.read;
  truncate = nodeFiles.truncate;
  /** Set to an errno code to make fdatasync fail (an SD card reporting EIO on flush). */
  syncFailing: string | undefined;
  /** Successful fdatasync calls, and failed ones. */
  syncs = 0;
  syncFailures = 0;
  fdatasync: SpoolFiles['fdatasync'] = (fd, cb) => {
    if (!this.syncFailing) {
      this.synced(fd);
      return nodeFiles.fdatasync(fd, cb);
    }
    this.lostDirty(fd);
    const err = new Error(`${this.syncFailing}: simulated`) as NodeJS.ErrnoException;
    err.code = this.syncFailing;
    setImmediate(() => cb(err));
  };
  fdatasyncSync = (fd: number): void => {
    if (this.syncFailing) {
      this.lostDirty(fd);
      const err = new Error(`${this.syncFailing}: simulated`) as NodeJS.ErrnoException;
      err.code = this.syncFailing;
      throw err;
    }
    this.synced(fd);
    nodeFiles.fdatasyncSync(fd);
  };
  /** Byte ranges of a file written since its last fdatasync (the kernel's dirty pages are the file's, not an fd's). */
  private readonly dirty = new Map<string, [number, number][]>();
  /** Byte ranges of a file that a failed fdatasync left off the disk. */
  private readonly lost = new Map<string, [number, number][]>();
  private readonly fileOf = new Map<number, string>();

  /**
   * A power cut: each file keeps only what reached the disk, so it ends where the first range a
   * failed fdatasync lost begins (the rest of the file cannot be trusted after it).
   */
  crash(): void {
    for (const [file, ranges] of this.lost) {
      if (ranges.length === 0) continue;
      const fd = nodeFiles.openRw(file);
      nodeFiles.truncate(fd, Math.min(...ranges.map(([from]) => from)));
      nodeFiles.close(fd);
    }
    this.lost.clear();
  }

  /** As Linux after a failed writeback: the unflushed pages are marked clean, so they never reach the disk unless written again (see crash()). */
  private lostDirty(fd: number): void {
    this.syncFailures++;
    const file = this.fileOf.get(fd);
    if (!file) return;
    this.lost.set(file, [...(this.lost.get(file) ?? []), ...(this.dirty.get(file) ?? [])]);
    this.dirty.delete(file);
  }

  /** A sync succeeded: what was written since is on the disk, including lost ranges written again. */
  private synced(fd: number): void {
    this.syncs++;
    const file = this.fileOf.get(fd);
    if (!file) return;
    const written = this.dirty.get(file) ?? [];
    this.dirty.delete(file);
    const covered = (from: number, to: number) => written.some(([a, b]) => a <= from && to <= b);
    this.lost.set(file, (this.lost.get(file) ?? []).filter(([from, to]) => !covered(from, to)));
  }
  close = (fd: number): void => {
    this.fileOf.delete(fd);
    nodeFiles.close(fd);
  };
  unlink = nodeFiles.unlink;
  readText = nodeFiles.readText;
  /** Set to an errno code to make cursors.json writes fail (EMFILE under a lowered fd limit). */
  textFailing: string | undefined;
  writeTextAtomic: SpoolFiles['writeTextAtomic'] = (file, text) => {
    if (this.textFailing) {
      const err = new Error(`${this.textFailing}: simulated`) as NodeJS.ErrnoException;
      err.code = this.textFailing;
      throw err;
    }
    nodeFiles.writeTextAtomic(file, text);
  };
  syncDir = nodeFiles.syncDir;
  openRw = (file: string): number => {
    this.fail();
    const fd = nodeFiles.openRw(file);
    this.fileOf.set(fd, file);
    return fd;
  };
  write = (fd: number, buf: Buffer, off: number, len: number, pos: number): number => {
    this.writeAttempts++;
    const file = this.fileOf.get(fd);
    if (file) {
      const d = this.dirty.get(file) ?? [];
      // One range per write call, merged with the last when they touch (appends in a row).
      const last = d[d.length - 1];
      if (last && last[1] === pos) last[1] = pos + len;
      else d.push([pos, pos + len]);
      this.dirty.set(file, d);
    }
    if (this.failing && len > 1) {
      // Like a real full disk: part of the batch lands, then the error.
      nodeFiles.write(fd, buf, off, Math.floor(len / 2), pos);
      this.fail();
    }
    return nodeFiles.write(fd, buf, off, len, pos);
  };
  private fail(): void {
    if (!this.failing) return;
    const err = new Error(`${this.failing}: simulated`) as NodeJS.ErrnoException;
    err.code = this.failing;
    throw err;
  }
}

/** Resolve when `cond()` holds, polling on timers; reject after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
