import { DEFAULT_CONFIG_PATH } from '../../config/load';
import { doctor, formatResults } from '../../doctor';
import { parseCommand } from '../args';

const USAGE = 'usage: lowband doctor [--config P] [--json]';

/** `lowband doctor`: checks the host for what the gateway needs; exit 1 when something FAILs. */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('doctor', USAGE, argv, { config: { type: 'string' }, json: { type: 'boolean' } });
  if (typeof p === 'number') return p;
  const results = await doctor(p.values.config ?? DEFAULT_CONFIG_PATH);
  process.stdout.write(p.values.json ? JSON.stringify(results, null, 2) + '\n' : formatResults(results));
  return results.some((r) => r.level === 'FAIL') ? 1 : 0;
}
