import { controlTarget } from '../control-target';
import { callFromCli } from '../../control/client';
import { controlOptions, parseCommand } from '../args';

const USAGE = 'usage: lowband unpair <MAC> [--config P] [--socket PATH]';

/** `lowband unpair <MAC>`: removes an enrolled device; exit 1 when it was not enrolled. */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('unpair', USAGE, argv, controlOptions, true);
  if (typeof p === 'number') return p;
  if (p.positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const r = await callFromCli(controlTarget(p.values), 'unpair', { mac: p.positionals[0] }, 10_000);
  if ('exit' in r) return r.exit;
  const { mac, removed } = r.result as { mac: string; removed: boolean };
  if (!removed) {
    process.stderr.write(`lowband unpair: ${mac} was not paired\n`);
    return 1;
  }
  process.stdout.write(`unpaired ${mac}\n`);
  return 0;
}
