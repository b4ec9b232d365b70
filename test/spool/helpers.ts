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
  fdatasync: SpoolFiles['fdatasync'] = (fd, cb) => {
    if (!this.syncFailing) return nodeFiles.fdatasync(fd, cb);
    const err = new Error(`${this.syncFailing}: simulated`) as NodeJS.ErrnoException;
    err.code = this.syncFailing;
    setImmediate(() => cb(err));
  };
  fdatasyncSync = nodeFiles.fdatasyncSync;
  close = nodeFiles.close;
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
    return nodeFiles.openRw(file);
  };
  write = (fd: number, buf: Buffer, off: number, len: number, pos: number): number => {
    this.writeAttempts++;
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
