#!/usr/bin/env node
import { ConfigError, ConfigErrors } from '../config/validate';
import { UsageError } from './args';
import { COMMANDS } from './commands/index';

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return `usage: lowband <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Find the longest command name (`config check` before `config`) at the start of argv. */
function resolve(argv: string[]): { name: string; rest: string[] } | undefined {
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ');
    if (COMMANDS[name]) return { name, rest: argv.slice(n) };
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(usage());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    process.stdout.write(`lowband ${(require('../gateway') as typeof import('../gateway')).VERSION}\n`);
    return 0;
  }
  const cmd = resolve(argv);
  if (!cmd) {
    process.stderr.write(`lowband: unknown command "${argv.join(' ')}"\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = COMMANDS[cmd.name].load();
    return await mod.run(cmd.rest);
  } catch (err) {
    if (err instanceof ConfigErrors) {
      // One line per problem, `file:line:col: key.path: ...` (editors jump to these).
      process.stderr.write(err.lines.map((l) => l + '\n').join(''));
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`lowband: config error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`lowband ${cmd.name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`lowband ${cmd.name}: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Commands resolve once their work is done; anything still holding the loop open
    // (a socket in linger) must not keep the process alive.
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (err) => {
    process.stderr.write(`lowband: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
