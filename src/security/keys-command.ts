/** `lowband keys generate [--out DIR] [--name N] [--force]`. */
import { KeyFileError, writeKeyPair } from './curve-keys';

const USAGE = 'usage: lowband keys generate [--out DIR] [--name N] [--force]\n' +
  '  writes DIR/N.key (secret, mode 0600) and DIR/N.pub; DIR defaults to the current directory, N to "gateway"\n';

/**
 * Runs `keys generate` with the arguments after `keys` (e.g. ['generate', '--out', '/x']).
 * DIR defaults to the current directory: the command is run where the operator wants the files,
 * and nothing else knows state_dir without a config. Returns the exit code (0, 1 failure, 2 usage).
 */
export async function runKeysGenerate(
  argv: string[],
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; cwd?: string } = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const args = [...argv];
  if (args[0] === 'generate') args.shift();
  let dir = io.cwd ?? process.cwd();
  let name = 'gateway';
  let force = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string | undefined => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      return args[++i];
    };
    if (a === '--out' || a.startsWith('--out=')) {
      const v = value();
      if (!v) return usage(io.err, '--out needs a directory');
      dir = v;
    } else if (a === '--name' || a.startsWith('--name=')) {
      const v = value();
      if (!v) return usage(io.err, '--name needs a value');
      name = v;
    } else if (a === '--force') {
      force = true;
    } else if (a === '--help' || a === '-h') {
      io.out.write(USAGE);
      return 0;
    } else {
      return usage(io.err, `unknown argument ${JSON.stringify(a)}`);
    }
  }
  try {
    const w = await writeKeyPair(dir, name, { force });
    // The public key is meant to be shared; the secret key is never printed.
    io.out.write(`secret key: ${w.secretPath} (mode 0600)\npublic key: ${w.publicPath}\n${w.publicKey}\n`);
    return 0;
  } catch (err) {
    if (err instanceof KeyFileError) {
      io.err.write(`lowband keys generate: ${err.message}\n`);
      return /must be letters/.test(err.message) ? 2 : 1;
    }
    io.err.write(`lowband keys generate: ${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}\n`);
    return 1;
  }
}

function usage(err: NodeJS.WritableStream, msg: string): number {
  err.write(`lowband keys generate: ${msg}\n${USAGE}`);
  return 2;
}
