import { createInterface } from 'node:readline';
import { parse, UsageError } from '../args';
import type { LoraLineSession } from '../../radios/lora/lorawan/decode-line';

/** Read stdin line by line, write one output line per input line; bounded line length. */
async function mapLines(fn: (line: string) => string | undefined): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const out = line.length > 64 * 1024 ? JSON.stringify({ error: 'line_too_long' }) : fn(line);
    if (out !== undefined && !process.stdout.write(out + '\n')) {
      await new Promise((r) => process.stdout.once('drain', r));
    }
  }
}

/** `lowband decode ble [--key MAC:HEX]...`: OpenMQTTGateway-shaped advert lines in, decoded JSON lines out. */
export async function runBle(argv: string[]): Promise<number> {
  const { values } = parse(argv, { key: { type: 'string', multiple: true, default: [] } });
  const { decodeBleLine } = require('../../radios/ble/decode-ble') as typeof import('../../radios/ble/decode-ble');
  const keys = new Map<string, Buffer>();
  for (const k of values.key!) {
    const m = /^([0-9a-fA-F:-]{12,17})[:=]([0-9a-fA-F]{32})$/.exec(k);
    const mac = m?.[1].replace(/[:-]/g, '').toLowerCase();
    if (!m || mac!.length !== 12) throw new UsageError(`--key takes MAC=HEX (16-byte bindkey), got "${k.slice(0, 20)}..."`);
    keys.set(mac!, Buffer.from(m[2], 'hex'));
  }
  await mapLines((line) => decodeBleLine(line, keys));
  return 0;
}

/** `lowband decode lora [--devaddr-keys DEVADDR:NWKSKEY:APPSKEY,...]`: PHYPayload hex lines in, frames as JSON out. */
export async function runLora(argv: string[]): Promise<number> {
  const { values } = parse(argv, { 'devaddr-keys': { type: 'string', multiple: true, default: [] } });
  const { decodeLoraLine, parseDevaddrKeys } = require('../../radios/lora/lorawan/decode-line') as typeof import('../../radios/lora/lorawan/decode-line');
  const keys = values['devaddr-keys']!.flatMap((spec) => {
    try {
      return parseDevaddrKeys(spec);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
  // One session for the whole run: FCnt tracking follows roll-overs from line to line.
  const session: LoraLineSession = {};
  await mapLines((line) => JSON.stringify(decodeLoraLine(line, keys, session)));
  return 0;
}

/** `lowband decode ble|lora` */
export async function run(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what === 'ble') return runBle(rest);
  if (what === 'lora') return runLora(rest);
  throw new UsageError('usage: lowband decode ble|lora [options] < lines');
}
