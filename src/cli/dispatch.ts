import { ConfigError, ConfigErrors } from '../config/validate';
import { closest } from '../util/did-you-mean';
import { UsageError } from './args';
import { COMMANDS, type CommandEntry } from './commands/index';

/** Where the dispatcher's own text goes (help, usage, errors); commands write to process.stdout. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const STDIO: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The command list, as `lowband` alone and `lowband --help` print it. */
export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `usage: lowband <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    'lowband <command> --help shows its options and an example.\n';
}

/** `lowband <name> --help`: synopsis, what it does, details, examples. */
export function commandHelp(name: string, c: CommandEntry): string {
  const details = c.details?.length ? `\n${c.details.map((d) => `  ${d}`).join('\n')}\n` : '';
  return `usage: ${c.usage}\n\n${c.summary}\n${details}\nexample${c.examples.length > 1 ? 's' : ''}:\n` +
    c.examples.map((e) => `  ${e}\n`).join('');
}

/** Help for a word that only starts subcommands (`lowband decode`, `lowband config`). */
function groupHelp(word: string, subs: string[]): string {
  return `usage: lowband ${word} ${subs.map((s) => s.slice(word.length + 1)).join('|')} [options]\n\n` +
    subs.map((s) => `  ${s.padEnd(14)} ${COMMANDS[s].summary}`).join('\n') + '\n\n' +
    `lowband ${subs[0]} --help shows its options and an example.\n`;
}

/** Find the longest command name (`config check` before `config`) at the start of argv. */
function resolve(argv: string[]): { name: string; rest: string[] } | undefined {
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ');
    if (Object.hasOwn(COMMANDS, name)) return { name, rest: argv.slice(n) };
  }
  return undefined;
}

/** `--help` or `-h` among a command's own arguments (not after `--`). */
function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Runs `lowband ARGV...`; resolves with the exit code (0 ok, 1 failure, 2 usage or config). */
export async function dispatch(argv: string[], io: CliIo = STDIO): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    io.err(usage());
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    return argv[1] === undefined ? (io.out(usage()), 0) : dispatch([...argv.slice(1), '--help'], io);
  }
  if (first === '--version') {
    io.out(`lowband ${(require('../gateway') as typeof import('../gateway')).VERSION}\n`);
    return 0;
  }
  const cmd = resolve(argv);
  if (!cmd) {
    const subs = Object.keys(COMMANDS).filter((n) => n.startsWith(first + ' '));
    if (subs.length > 0) {
      if (wantsHelp(argv.slice(1))) return io.out(groupHelp(first, subs)), 0;
      const sub = argv[1];
      const near = sub === undefined ? undefined : closest(sub, subs.map((s) => s.slice(first.length + 1)));
      io.err(`lowband ${first}: ${sub === undefined ? 'which one?' : `unknown subcommand "${sub}"${near ? ` (did you mean "${first} ${near}"?)` : ''}`}\n\n${groupHelp(first, subs)}`);
      return 2;
    }
    const words = new Set(Object.keys(COMMANDS).map((n) => n.split(' ')[0]));
    const near = closest(first, words);
    io.err(`lowband: unknown command "${first}"${near ? ` (did you mean "${near}"?)` : ''}\n` +
      (near ? `run: lowband ${[near, ...argv.slice(1)].join(' ')}\n` : `\n${usage()}`));
    return 2;
  }
  const entry = COMMANDS[cmd.name];
  if (wantsHelp(cmd.rest)) {
    io.out(commandHelp(cmd.name, entry));
    return 0;
  }
  try {
    return await entry.load().run(cmd.rest);
  } catch (err) {
    if (err instanceof ConfigErrors) {
      // One line per problem, `file:line:col: key.path: ...` (editors jump to these).
      io.err(err.lines.map((l) => l + '\n').join(''));
      return 2;
    }
    if (err instanceof ConfigError) {
      io.err(`lowband: config error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`lowband ${cmd.name}: ${err.message} (see lowband ${cmd.name} --help)\n`);
      return 2;
    }
    io.err(`lowband ${cmd.name}: ${(err as Error).message}\n`);
    return 1;
  }
}
