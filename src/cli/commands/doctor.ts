import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH } from '../../config/load';
import { doctor, formatResults } from '../../doctor';
import { parseCommand } from '../args';
import { demoConfigPath } from '../demo-place';

const USAGE = 'usage: lowband doctor [--config P] [--socket PATH] [--json]';

/**
 * `lowband doctor`: checks the host for what the gateway needs; exit 1 when something FAILs.
 * With no --config and no config at the default path, a running `lowband demo` is checked
 * (its config file), so a first try on a laptop checks what actually runs.
 */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('doctor', USAGE, argv, { config: { type: 'string', short: 'c' }, socket: { type: 'string' }, json: { type: 'boolean' } });
  if (typeof p === 'number') return p;
  let config = p.values.config ?? DEFAULT_CONFIG_PATH;
  if (p.values.config === undefined && !existsSync(DEFAULT_CONFIG_PATH) && existsSync(demoConfigPath())) {
    config = demoConfigPath();
    if (!p.values.json) process.stderr.write(`(no ${DEFAULT_CONFIG_PATH}: checking the demo's config ${config})\n`);
  }
  const results = await doctor(config, p.values.socket ? { controlSocket: p.values.socket } : {});
  process.stdout.write(p.values.json ? JSON.stringify(results, null, 2) + '\n' : formatResults(results));
  return results.some((r) => r.level === 'FAIL') ? 1 : 0;
}
