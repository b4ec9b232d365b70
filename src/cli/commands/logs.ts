import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { formatLogLine } from '../../util/log-format';
import { parse, UsageError } from '../args';

/** Longest line shown whole; the rest of a longer one is cut (a log reader must not balloon). */
const MAX_LINE = 16 * 1024;

/** Writes every line of `input` in the human form; resolves at its end. */
export async function prettyPrint(input: Readable, out: NodeJS.WritableStream, colour: boolean): Promise<void> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const raw of rl) {
    const line = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) + ` … (${raw.length - MAX_LINE} more characters)` : raw;
    if (!out.write(formatLogLine(line, { colour, date: true }) + '\n')) await new Promise((r) => out.once('drain', r));
  }
}

/**
 * `lowband logs [-f] [-n N] [--unit U]`: the gateway's JSON log lines, readable. Piped input is
 * read as it comes (`journalctl -u lowband -o cat | lowband logs`); otherwise the journal is
 * asked directly. Colours only on a terminal, and never with NO_COLOR.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    follow: { type: 'boolean', short: 'f', default: false },
    lines: { type: 'string', short: 'n' },
    unit: { type: 'string', short: 'u', default: 'lowband' },
    'no-color': { type: 'boolean', default: false },
    color: { type: 'boolean', default: false },
  });
  if (values.lines !== undefined && !/^\d{1,7}$/.test(values.lines)) throw new UsageError(`-n takes a number of lines, got "${values.lines.slice(0, 20)}"`);
  const colour = values.color || (!values['no-color'] && !process.env.NO_COLOR && process.stdout.isTTY === true);
  if (!process.stdin.isTTY) {
    await prettyPrint(process.stdin, process.stdout, colour);
    return 0;
  }
  const args = ['-u', values.unit!, '-o', 'cat', '--no-pager', ...(values.follow ? ['-f'] : []), ...(values.lines ? ['-n', values.lines] : [])];
  const journal = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const failed = new Promise<Error>((resolve) => journal.once('error', resolve));
  const stop = () => journal.kill('SIGTERM');
  process.once('SIGINT', stop);
  const printed = prettyPrint(journal.stdout, process.stdout, colour);
  const exited = new Promise<number>((resolve) => journal.once('close', (code) => resolve(code ?? 0)));
  const first = await Promise.race([exited.then(() => undefined), failed]);
  process.off('SIGINT', stop);
  if (first instanceof Error) {
    process.stderr.write(`lowband logs: cannot run journalctl (${first.message}); pipe the log in instead: lowband run 2>&1 | lowband logs\n`);
    return 1;
  }
  await printed;
  const code = await exited;
  return code === 0 || code === 143 ? 0 : 1;
}
