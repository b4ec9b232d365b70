import { existsSync } from 'node:fs';
import { resolveControlSocket } from '../control/client';
import { demoSocket } from './demo-place';

/**
 * Which control socket a command asks: `--socket`, else the config's (`--config`, default
 * path), else, when that socket does not exist and `lowband demo` is running, the demo's.
 * A bad config is left for callFromCli to report (exit 2).
 */
export function controlTarget(
  v: { config?: string; socket?: string },
  note: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): { config?: string; socket?: string } {
  if (v.socket || v.config !== undefined) return v;
  let path: string;
  try {
    path = resolveControlSocket({});
  } catch {
    return v;
  }
  const demo = demoSocket();
  if (existsSync(path) || !existsSync(demo)) return v;
  note(`(no gateway at ${path}: asking the demo at ${demo})`);
  return { socket: demo };
}
