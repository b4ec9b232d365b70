import { controlTarget } from '../control-target';
import { callFromCli } from '../../control/client';
import type { PairedDevice } from '../../control/protocol';
import { controlOptions, parseCommand } from '../args';

const USAGE = 'usage: lowband pair <MAC> [--name N] [--key HEX] [--config P] [--socket PATH]';

/** `lowband pair <MAC>`: enrols a BLE sensor in the running gateway; the key is never printed. */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('pair', USAGE, argv, { ...controlOptions, name: { type: 'string' }, key: { type: 'string' } }, true);
  if (typeof p === 'number') return p;
  if (p.positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const key = p.values.key;
  if (key !== undefined && !/^[0-9A-Fa-f]{32}$/.test(key)) {
    process.stderr.write('lowband pair: --key must be 32 hex digits (a 16-byte bindkey)\n');
    return 2;
  }
  const r = await callFromCli(controlTarget(p.values), 'pair', { mac: p.positionals[0], name: p.values.name, key }, 10_000);
  if ('exit' in r) return r.exit;
  const d = r.result as PairedDevice;
  process.stdout.write(`paired ${d.mac}${d.name ? ` (${d.name})` : ''}${d.hasKey ? ', with bindkey' : ''}\n`);
  return 0;
}
