import { controlTarget } from '../control-target';
import { callFromCli } from '../../control/client';
import { formatMac, type NearbyDevice } from '../../radios/ble/pairing';
import { problemText } from './devices';
import { ago, table } from './status';
import { controlOptions, parseCommand } from '../args';

const USAGE = 'usage: lowband scan [--seconds N] [--json] [--config P] [--socket PATH]';

/** `lowband scan`: asks the running gateway which BLE devices it hears and what they say. */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('scan', USAGE, argv, { ...controlOptions, seconds: { type: 'string', default: '5' }, json: { type: 'boolean' } });
  if (typeof p === 'number') return p;
  const seconds = Number(p.values.seconds);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 120) {
    process.stderr.write('lowband scan: --seconds must be a number from 0 to 120\n');
    return 2;
  }
  if (!p.values.json && seconds > 0) process.stderr.write(`listening for ${seconds} s...\n`);
  const r = await callFromCli(controlTarget(p.values), 'scan', { seconds }, seconds * 1000 + 5000);
  if ('exit' in r) return r.exit;
  const list = (r.result as NearbyDevice[]).map((d) => ({ ...d, mac: formatMac(d.mac) }));
  if (p.values.json) {
    process.stdout.write(JSON.stringify(list) + '\n');
    return 0;
  }
  if (list.length === 0) {
    process.stdout.write('no BLE devices heard\n');
    return 0;
  }
  const now = Date.now();
  process.stdout.write(
    table(
      ['MAC', 'NAME', 'TYPE', 'RSSI', 'SEEN', 'PAIRED', 'LAST READING'],
      list.map((d) => [
        d.mac,
        d.name ?? '-',
        d.fmt ?? '-',
        String(d.rssi),
        ago(Date.parse(d.lastSeen), now),
        d.paired ? 'yes' : 'no',
        d.error ? problemText(d.error) : d.fields ? fieldsText(d.fields) : '-',
      ]),
    ),
  );
  return 0;
}

/** `temperature=21.5 humidity=40` trimmed to fit a terminal line. */
function fieldsText(f: Record<string, unknown>): string {
  const s = Object.entries(f)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
