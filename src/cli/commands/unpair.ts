import { controlTarget } from '../control-target';
import { callFromCli } from '../../control/client';
import { formatMac } from '../../radios/ble/pairing';
import { controlOptions, parseCommand } from '../args';
import { macArgument } from './pair';

const USAGE = 'usage: lowband unpair <MAC> [--config P] [--socket PATH]';

/** `lowband unpair <MAC>`: removes an enrolled device; exit 1 when it was not enrolled, 2 for a bad MAC. */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('unpair', USAGE, argv, controlOptions, true);
  if (typeof p === 'number') return p;
  if (p.positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const mac = macArgument('unpair', p.positionals[0]);
  if (typeof mac === 'number') return mac;
  const r = await callFromCli(controlTarget(p.values), 'unpair', { mac }, 10_000);
  if ('exit' in r) return r.exit;
  const { removed } = r.result as { mac: string; removed: boolean };
  if (!removed) {
    process.stderr.write(`lowband unpair: ${formatMac(mac)} was not paired\n`);
    return 1;
  }
  process.stdout.write(`unpaired ${formatMac(mac)}\n`);
  return 0;
}
