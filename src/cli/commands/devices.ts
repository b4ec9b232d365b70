import { controlTarget } from '../control-target';
import { callFromCli } from '../../control/client';
import { formatMac, type PairedDevice, type PairingProblem } from '../../radios/ble/pairing';
import { table } from './status';
import { controlOptions, parseCommand } from '../args';

const USAGE = 'usage: lowband devices [--json] [--config P] [--socket PATH]';

/** `lowband devices`: lists enrolled BLE devices (whether a key is set, never the key, and what is wrong with one that fails). */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('devices', USAGE, argv, { ...controlOptions, json: { type: 'boolean' } });
  if (typeof p === 'number') return p;
  const r = await callFromCli(controlTarget(p.values), 'devices', {}, 5000);
  if ('exit' in r) return r.exit;
  const list = (r.result as PairedDevice[]).map((d) => ({ ...d, mac: formatMac(d.mac) }));
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
      ['MAC', 'NAME', 'MODEL', 'KEY', 'PAIRED', 'PROBLEM'],
      list.map((d) => [d.mac, d.name ?? '-', d.model ?? '-', d.hasKey ? 'yes' : 'no', d.pairedAt, d.error ? problemText(d.error) : '-']),
    ),
  );
  return 0;
}

/** What a person should do about a paired sensor's problem. */
export function problemText(p: PairingProblem): string {
  if (p === 'auth_failed') return 'auth_failed: wrong bindkey? pair again with --key';
  if (p === 'no_key') return 'no_key: it encrypts, pair again with --key';
  return 'model_unknown: pair again with --model';
}
