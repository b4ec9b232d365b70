import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../util/did-you-mean';

/** Bad command-line usage: printed as one line, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs's message, with a did-you-mean for a misspelt option (`--jsn` → `--json`).
 * node:util parseArgs rather than commander: every command already declares its options this
 * way, --help and did-you-mean come from the command table, and it adds no dependency.
 */
function explain(err: unknown, options: Options): string {
  const e = err as NodeJS.ErrnoException;
  const m = /'(--?[^'\s]+)'/.exec(e.message);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && m) {
    const near = closest(m[1].replace(/^-+/, '').split('=')[0], Object.keys(options));
    return `unknown option ${m[1]}${near ? ` (did you mean --${near}?)` : ''}`;
  }
  return e.message.split('. To specify')[0];
}

/** node:util parseArgs with usage errors turned into UsageError. */
export function parse<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(explain(err, options));
  }
}

/** `--config P` shared by every command that reads the config. */
export const configOption = { config: { type: 'string' as const, short: 'c' } };

/**
 * Parse a command's arguments for commands that return their own exit code: `--help` prints
 * `usage` (→ 0; the dispatcher answers --help first, this is for direct callers); bad usage
 * prints the problem and `usage` on stderr (→ 2).
 */
export function parseCommand<T extends Options>(name: string, usage: string, argv: string[], options: T, allowPositionals = false) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    process.stderr.write(`lowband ${name}: ${explain(err, options)}\n${usage}\n`);
    return 2;
  }
}

/** How commands that talk to the running gateway find its control socket. */
export const controlOptions = { config: { type: 'string' as const, short: 'c' }, socket: { type: 'string' as const } };
