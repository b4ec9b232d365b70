import { controlTarget } from '../control-target';
import { callFromCli } from '../../control/client';
import { formatMac, MODEL_ID, normaliseMac, type PairedDevice } from '../../radios/ble/pairing';
import { controlOptions, parseCommand } from '../args';

const USAGE = 'usage: lowband pair <MAC> [--name N] [--key HEX] [--model M] [--config P] [--socket PATH]';

/**
 * The MAC argument of `pair` / `unpair` in the form people read, or exit code 2 after saying
 * why: a bad MAC is bad usage, exactly like a bad key, and is refused before asking the gateway.
 */
export function macArgument(cmd: string, raw: string): string | number {
  try {
    return formatMac(normaliseMac(raw));
  } catch (err) {
    process.stderr.write(`lowband ${cmd}: ${(err as Error).message}\n`);
    return 2;
  }
}

/**
 * `lowband pair <MAC>`: enrols a BLE sensor in the running gateway; the key is never printed.
 * `--model` names the model of a sensor whose passive adverts do not say it (SwitchBot).
 */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('pair', USAGE, argv, { ...controlOptions, name: { type: 'string' }, key: { type: 'string' }, model: { type: 'string' } }, true);
  if (typeof p === 'number') return p;
  if (p.positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const mac = macArgument('pair', p.positionals[0]);
  if (typeof mac === 'number') return mac;
  const key = p.values.key;
  if (key !== undefined && !/^[0-9A-Fa-f]{32}$/.test(key)) {
    process.stderr.write('lowband pair: --key must be 32 hex digits (a 16-byte bindkey)\n');
    return 2;
  }
  const model = p.values.model;
  if (model !== undefined && !MODEL_ID.test(model)) {
    process.stderr.write('lowband pair: --model takes a model id (letters, digits, . _ + -), as docs/sensors.md names it\n');
    return 2;
  }
  const r = await callFromCli(controlTarget(p.values), 'pair', { mac, name: p.values.name, key, model }, 10_000);
  if ('exit' in r) return r.exit;
  const d = r.result as PairedDevice;
  process.stdout.write(`paired ${formatMac(d.mac)}${d.name ? ` (${d.name})` : ''}${d.model ? `, model ${d.model}` : ''}${d.hasKey ? ', with bindkey' : ''}\n`);
  return 0;
}
