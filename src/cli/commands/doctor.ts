import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../../config/load';
import { doctor, formatResults } from '../../doctor';

const USAGE = 'usage: lowband doctor [--config P] [--json]';

/** `lowband doctor`: checks the host for what the gateway needs; exit 1 when something FAILs. */
export async function run(argv: string[]): Promise<number> {
  let p;
  try {
    p = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`lowband doctor: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (p.values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const results = await doctor(p.values.config ?? DEFAULT_CONFIG_PATH);
  process.stdout.write(p.values.json ? JSON.stringify(results, null, 2) + '\n' : formatResults(results));
  return results.some((r) => r.level === 'FAIL') ? 1 : 0;
}
