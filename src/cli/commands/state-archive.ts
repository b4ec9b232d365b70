import { spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { clockFloor, raiseSequenceFloor, readSequenceFile } from '../../core/sequence';

/** Name of the manifest inside a backup (at the archive's top, next to the state files). */
export const MANIFEST = 'lowband-backup.json';

/** What a backup says about itself; restore checks it before touching anything. */
export interface BackupManifest {
  format: 1;
  /** lowband version that wrote it. */
  version: string;
  gateway: string;
  host: string;
  /** Wall-clock time of the backup (ISO 8601); a restore refuses a clock earlier than this. */
  created_at: string;
  state_dir: string;
  /** state_dir/seq at backup time (first number not yet reserved), as a decimal string. */
  seq?: string;
}

/** A backup or restore that cannot go ahead; the message says why and what to do. */
export class StateArchiveError extends Error {}

/** Exit code 1 with the reason for an expected failure (StateArchiveError, a file system errno); rethrows bugs. */
/**
 * The seq a state dir holds, or nothing when its file is missing or corrupt: restore never needs
 * it to be right, since the clock floor it raises seq to is above anything a gateway has sent.
 */
function seqOrNothing(stateDir: string): bigint | undefined {
  try {
    return readSequenceFile(stateDir);
  } catch {
    return undefined;
  }
}

export function archiveFailure(command: string, err: unknown): number {
  if (err instanceof StateArchiveError || (err as NodeJS.ErrnoException).code) {
    process.stderr.write(`lowband ${command}: ${(err as Error).message}\n`);
    return 1;
  }
  throw err;
}

function tar(args: string[]): string {
  const r = spawnSync('tar', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new StateArchiveError(`cannot run tar: ${r.error.message}`);
  if (r.status !== 0) throw new StateArchiveError(`tar ${args[0]} failed: ${r.stderr.trim().split('\n').slice(-2).join('; ')}`);
  return r.stdout;
}

/**
 * Writes state_dir as a gzip'd tar (mode 0600: it holds keys) via a temp file renamed into
 * place, so an interrupted backup never leaves a truncated archive under the final name.
 */
export function writeBackup(stateDir: string, out: string, m: Omit<BackupManifest, 'format' | 'created_at' | 'seq' | 'host' | 'state_dir'>, now = new Date()): BackupManifest {
  if (!statSync(stateDir, { throwIfNoEntry: false })?.isDirectory()) throw new StateArchiveError(`${stateDir} is not a directory: nothing to back up`);
  try {
    accessSync(stateDir, constants.R_OK | constants.X_OK);
  } catch (err) {
    // state_dir is 0750 lowband:lowband: an operator's own account cannot read it.
    throw new StateArchiveError(`cannot read ${stateDir} (${(err as NodeJS.ErrnoException).code}); run it as root: sudo lowband backup`);
  }
  const seq = seqOrNothing(stateDir);
  const manifest: BackupManifest = {
    format: 1, ...m, host: hostname(), created_at: now.toISOString(), state_dir: stateDir,
    ...(seq !== undefined ? { seq: seq.toString() } : {}),
  };
  const side = join(dirname(out), `.${basename(out)}.manifest-${process.pid}`);
  mkdirSync(side, { mode: 0o700 });
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    writeFileSync(join(side, MANIFEST), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    writeFileSync(tmp, '', { mode: 0o600 });
    // Temp files of atomic writes and doctor probes are not state.
    tar(['--create', '--gzip', '--file', tmp, '--exclude=./*.tmp-*', '--exclude=./.doctor-*', '-C', side, MANIFEST, '-C', stateDir, '.']);
    renameSync(tmp, out);
  } finally {
    rmSync(side, { recursive: true, force: true });
    rmSync(tmp, { force: true });
  }
  return manifest;
}

/** Member names and types of an archive; refuses anything but plain files and directories inside it. */
function checkMembers(file: string): void {
  const listing = tar(['--list', '--verbose', '--gzip', '--file', file]);
  for (const line of listing.split('\n').filter(Boolean)) {
    const type = line[0];
    const name = line.split(/\s+/).slice(5).join(' ');
    if (type !== '-' && type !== 'd') throw new StateArchiveError(`${file}: unexpected member ${name} (type ${type}); a lowband backup holds only files and directories`);
    if (name.startsWith('/') || name.split('/').includes('..')) throw new StateArchiveError(`${file}: member ${name} points outside the state directory`);
  }
}

/** Options of `restoreBackup`, injectable for tests. */
export interface RestoreOptions {
  now?: Date;
  /** Restore even though the clock is earlier than the backup (the seq floor then rests on the backup alone). */
  force?: boolean;
}

/** What a restore did. */
export interface RestoreOutcome {
  manifest: BackupManifest;
  /** Where the state that was replaced now lives (for rollback), if there was one. */
  previous?: string;
  /** The seq numbering resumes at (never below anything sent before the restore). */
  seqFloor: bigint;
}

/**
 * Replaces state_dir with the backup's content. Extracts next to it first (same file system),
 * checks the manifest and the clock, lifts the sequence above everything the gateway may have
 * sent since the backup (the old seq, the replaced state's seq and the clock floor), then swaps
 * the directories with two renames; the replaced state is kept aside, never deleted.
 */
export function restoreBackup(file: string, stateDir: string, opts: RestoreOptions = {}): RestoreOutcome {
  const now = opts.now ?? new Date();
  if (!existsSync(file)) throw new StateArchiveError(`${file} does not exist`);
  checkMembers(file);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const incoming = `${stateDir}.restore-${process.pid}`;
  rmSync(incoming, { recursive: true, force: true });
  mkdirSync(incoming, { recursive: true, mode: 0o750 });
  try {
    tar(['--extract', '--gzip', '--file', file, '-C', incoming, '--no-overwrite-dir']);
    const manifest = readManifest(join(incoming, MANIFEST), file);
    rmSync(join(incoming, MANIFEST));
    const created = Date.parse(manifest.created_at);
    if (!opts.force && (now.getUTCFullYear() < 2024 || now.getTime() < created)) {
      throw new StateArchiveError(
        `the clock says ${now.toISOString()}, before the backup (${manifest.created_at}): numbering from it could repeat seqs. ` +
          'Set the time first (sudo timedatectl set-ntp true; timedatectl status), or pass --force if you are sure',
      );
    }
    let floor = clockFloor(now.getTime());
    const current = existsSync(stateDir) ? seqOrNothing(stateDir) : undefined;
    if (current !== undefined && current > floor) floor = current;
    const seqFloor = raiseSequenceFloor(incoming, floor);
    const st = statSync(stateDir, { throwIfNoEntry: false });
    if (st) adoptOwner(incoming, st.uid, st.gid);
    let previous: string | undefined;
    if (st) {
      previous = `${stateDir}.before-restore-${stamp}`;
      renameSync(stateDir, previous);
    }
    try {
      renameSync(incoming, stateDir);
    } catch (err) {
      if (previous) renameSync(previous, stateDir); // never leave the gateway without a state_dir
      throw err;
    }
    return { manifest, previous, seqFloor };
  } finally {
    rmSync(incoming, { recursive: true, force: true });
  }
}

function readManifest(path: string, file: string): BackupManifest {
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Partial<BackupManifest>;
  } catch {
    throw new StateArchiveError(`${file} is not a lowband backup (no readable ${MANIFEST} inside)`);
  }
  if (m.format !== 1 || typeof m.created_at !== 'string' || Number.isNaN(Date.parse(m.created_at))) {
    throw new StateArchiveError(`${file}: unsupported backup format ${JSON.stringify(m.format)} (this lowband reads format 1)`);
  }
  return m as BackupManifest;
}

/** Running as root, restored files take the owner of the state they replace (the service account). */
function adoptOwner(dir: string, uid: number, gid: number): void {
  if (process.getuid?.() !== 0) return;
  const walk = (p: string): void => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    chownSync(p, uid, gid);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(dir);
}
