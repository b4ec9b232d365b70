import { parseArgs } from 'node:util';
import { callFromCli } from '../../control/client';
import type { PairedDevice } from '../../control/protocol';

const USAGE = 'usage: lowband pair <MAC> [--name N] [--key HEX] [--config P] [--socket PATH]';

/** `lowband pair <MAC>`: enrols a BLE sensor in the running gateway; the key is never printed. */
export async function run(argv: string[]): Promise<number> {
  let p;
  try {
    p = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        key: { type: 'string' },
        config: { type: 'string' },
        socket: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`lowband pair: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (p.values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (p.positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const key = p.values.key;
  if (key !== undefined && !/^[0-9A-Fa-f]{32}$/.test(key)) {
    process.stderr.write('lowband pair: --key must be 32 hex digits (a 16-byte bindkey)\n');
    return 2;
  }
  const r = await callFromCli(p.values, 'pair', { mac: p.positionals[0], name: p.values.name, key }, 10_000);
  if ('exit' in r) return r.exit;
  const d = r.result as PairedDevice;
  process.stdout.write(`paired ${d.mac}${d.name ? ` (${d.name})` : ''}${d.hasKey ? ', with bindkey' : ''}\n`);
  return 0;
}
