import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replace a file so that after a crash or power cut it holds either the old or the new
 * content, never a mix: write a temp file, fsync it, rename over, fsync the directory.
 */
export function writeFileAtomicSync(path: string, data: string | Buffer, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone; the original error matters.
    }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  }
}

let asyncSeq = 0;

/**
 * The same guarantee without blocking the event loop. The temp file is created with `mode`
 * (and chmod'ed to it, since the umask may narrow it); `beforeRename` returning false abandons
 * the write (a newer copy was written meanwhile).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  opts: { mode?: number; beforeRename?: () => boolean } = {},
): Promise<boolean> {
  const mode = opts.mode ?? 0o644;
  const tmp = `${path}.tmp-${process.pid}-${++asyncSeq}`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  if (opts.beforeRename && !opts.beforeRename()) {
    await unlink(tmp).catch(() => undefined);
    return false;
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  const dh = await open(dirname(path), 'r').catch(() => undefined);
  if (dh) {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
    await dh.sync().catch(() => undefined);
    await dh.close();
  }
  return true;
}
