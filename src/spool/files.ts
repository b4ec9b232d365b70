import fs from 'node:fs';
import { writeFileAtomicSync } from '../util/atomic-file';

/**
 * The few file operations the spool uses. Sync calls are deliberate: appends go to the page
 * cache in one write per batch and are cheap; only fdatasync (slow on SD cards) goes to the
 * thread pool. Tests swap in a fault-injecting implementation to simulate ENOSPC/EIO.
 */
export interface SpoolFiles {
  mkdirp(dir: string): void;
  list(dir: string): string[];
  /** Open for read+write, creating it if missing. */
  openRw(file: string): number;
  openRead(file: string): number;
  size(fd: number): number;
  /** Positional write; returns bytes written (may be short). */
  write(fd: number, buf: Buffer, off: number, len: number, pos: number): number;
  read(fd: number, buf: Buffer, off: number, len: number, pos: number): number;
  truncate(fd: number, len: number): void;
  fdatasync(fd: number, done: (err: Error | null) => void): void;
  fdatasyncSync(fd: number): void;
  close(fd: number): void;
  unlink(file: string): void;
  readText(file: string): string | undefined;
  /** Replace a small file atomically: tmp + fsync + rename (+ directory fsync). */
  writeTextAtomic(file: string, text: string): void;
  /** Make renames/creates in `dir` durable. */
  syncDir(dir: string): void;
}

/** The real file system. */
export const nodeFiles: SpoolFiles = {
  mkdirp: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  list: (dir) => fs.readdirSync(dir),
  openRw: (file) => fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o640),
  openRead: (file) => fs.openSync(file, 'r'),
  size: (fd) => fs.fstatSync(fd).size,
  write: (fd, buf, off, len, pos) => fs.writeSync(fd, buf, off, len, pos),
  read: (fd, buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
  truncate: (fd, len) => fs.ftruncateSync(fd, len),
  fdatasync: (fd, done) => fs.fdatasync(fd, (err) => done(err)),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  close: (fd) => fs.closeSync(fd),
  unlink: (file) => fs.unlinkSync(file),
  readText: (file) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
  writeTextAtomic: (file, text) => writeFileAtomicSync(file, text, 0o640),
  syncDir: (dir) => {
    let fd: number | undefined;
    try {
      fd = fs.openSync(dir, 'r');
      fs.fsyncSync(fd);
    } catch {
      // Some file systems refuse fsync on directories; the data files are synced either way.
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
};

/** The errno code (or message) of a file-system error, for logs and alarms. */
export function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);
}
