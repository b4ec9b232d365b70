import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad command-line usage: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** node:util parseArgs with usage errors turned into UsageError. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `--config P` shared by every command that reads the config. */
export const configOption = { config: { type: 'string' as const, short: 'c' } };

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parse a command's arguments for commands that return their own exit code: `--help` prints
 * `usage` (→ 0); bad usage prints the problem and `usage` on stderr (→ 2).
 */
export function parseCommand<T extends Options>(name: string, usage: string, argv: string[], options: T, allowPositionals = false) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    process.stderr.write(`lowband ${name}: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
}

/** How commands that talk to the running gateway find its control socket. */
export const controlOptions = { config: { type: 'string' as const, short: 'c' }, socket: { type: 'string' as const } };
