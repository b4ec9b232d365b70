import { lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';

/**
 * Where `lowband demo` keeps its files: one fixed directory per user
 * ($XDG_RUNTIME_DIR/lowband-demo, else /tmp/lowband-demo-UID), so `status`, `scan` and
 * `doctor` find the demo's control socket and config without being told.
 */
export function demoDir(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg && isAbsolute(xdg) && isOwnDir(xdg, false)) return join(xdg, 'lowband-demo');
  return join(tmpdir(), `lowband-demo-${process.getuid?.() ?? 'user'}`);
}

/** The demo's control socket, at its fixed place. */
export const demoSocket = (): string => join(demoDir(), 'control.sock');

/** The config the demo runs with, written for `doctor --config` and a person to read. */
export const demoConfigPath = (): string => join(demoDir(), 'lowband.yaml');

/** A directory (not a link) owned by this user, and (when `privateOnly`) closed to others. */
function isOwnDir(path: string, privateOnly: boolean): boolean {
  try {
    const st = lstatSync(path);
    const uid = process.getuid?.();
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (!privateOnly || (st.mode & 0o077) === 0);
  } catch {
    return false;
  }
}

/**
 * Creates the demo's directory (mode 0700) and returns it. In a shared /tmp someone else may
 * have made the name first (a link, or their directory): then a fresh private temporary
 * directory is used, and `fixed` says commands need to be told where it is.
 */
export function makeDemoDir(): { dir: string; fixed: boolean } {
  const dir = demoDir();
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (isOwnDir(dir, true)) return { dir, fixed: true };
  return { dir: mkdtempSync(join(tmpdir(), 'lowband-demo-')), fixed: false };
}

/**
 * How this very process was started, as a command prefix a person can paste: `npm run lowband --`
 * under `npm run demo`, `npx lowband` under npx, `lowband` for the installed command, else
 * `node [node options] SCRIPT`.
 */
export function commandPrefix(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv, execArgv: string[] = process.execArgv): string {
  if (env.npm_lifecycle_event === 'npx') return 'npx lowband';
  // `npm run demo` / `npm run lowband -- demo`; another script (npm test) says nothing of how a user runs it.
  if (env.npm_lifecycle_event === 'demo' || env.npm_lifecycle_event === 'lowband') return 'npm run lowband --';
  if (basename(argv[1] ?? '') === 'lowband') return 'lowband';
  return ['node', ...execArgv, argv[1] ?? 'lowband'].map(shellWord).join(' ');
}

/** A word quoted for sh only when it needs it. */
export function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}
