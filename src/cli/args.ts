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
