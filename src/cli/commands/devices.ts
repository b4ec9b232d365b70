import { controlTarget } from '../control-target';
import { callFromCli } from '../../control/client';
import type { PairedDevice } from '../../control/protocol';
import { table } from './status';
import { controlOptions, parseCommand } from '../args';

const USAGE = 'usage: lowband devices [--json] [--config P] [--socket PATH]';

/** `lowband devices`: lists enrolled BLE devices (whether a key is set, never the key). */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('devices', USAGE, argv, { ...controlOptions, json: { type: 'boolean' } });
  if (typeof p === 'number') return p;
  const r = await callFromCli(controlTarget(p.values), 'devices', {}, 5000);
  if ('exit' in r) return r.exit;
  const list = r.result as PairedDevice[];
  if (p.values.json) {
    process.stdout.write(JSON.stringify(list) + '\n');
    return 0;
  }
  if (list.length === 0) {
    process.stdout.write('no paired devices (enrol one with: lowband pair <MAC>)\n');
    return 0;
  }
  process.stdout.write(
    table(
      ['MAC', 'NAME', 'KEY', 'PAIRED'],
      list.map((d) => [d.mac, d.name ?? '-', d.hasKey ? 'yes' : 'no', d.pairedAt]),
    ),
  );
  return 0;
}
