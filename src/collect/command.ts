import { Collector, messageJson } from './collector';
import { Flag } from '../wire/message';

const USAGE = 'usage: lowband collect [--bind tcp://0.0.0.0:5557] [--out FILE] [--json] [--gap-ms N]';

/**
 * `lowband collect`: run the reference backend until SIGINT/SIGTERM. Prints each unique
 * message (one JSON object per line with --json) and the counters at exit.
 */
export async function runCollect(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let bind = 'tcp://0.0.0.0:5557';
  let file: string | undefined;
  let json = false;
  let gapMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | undefined => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]);
    const flag = a.split('=')[0];
    if (flag === '--bind') bind = value() ?? '';
    else if (flag === '--out') file = value();
    else if (flag === '--json') json = true;
    else if (flag === '--gap-ms') gapMs = Number(value());
    else if (flag === '--help' || flag === '-h') {
      out.write(USAGE + '\n');
      return 0;
    } else {
      err.write(`lowband collect: unknown argument ${a}\n${USAGE}\n`);
      return 2;
    }
  }
  if (!/^(tcp|ipc|inproc):\/\/\S+$/.test(bind)) {
    err.write(`lowband collect: --bind must be a ZeroMQ endpoint like tcp://0.0.0.0:5557\n`);
    return 2;
  }
  if (file === '') {
    err.write(`lowband collect: --out needs a file name\n`);
    return 2;
  }
  if (gapMs !== undefined && (!Number.isInteger(gapMs) || gapMs < 1)) {
    err.write(`lowband collect: --gap-ms must be a positive integer\n`);
    return 2;
  }
  const collector = new Collector({
    bind,
    out: file,
    gapMs,
    onMessage: (m, duplicate) => {
      if (duplicate) return;
      if (json) out.write(JSON.stringify(messageJson(m)) + '\n');
      else {
        const re = m.flags & Flag.redelivery ? ' (redelivery)' : '';
        out.write(`${m.seq} ${m.topic} key=${m.key.toString('hex')}${re}\n`);
      }
    },
  });
  let endpoint: string;
  try {
    endpoint = await collector.start();
  } catch (e) {
    err.write(`lowband collect: cannot bind ${bind}: ${(e as Error).message}\n`);
    return 1;
  }
  err.write(`collecting on ${endpoint}${file ? `, storing to ${file}` : ''}\n`);
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  await collector.stop();
  err.write(`collect: ${JSON.stringify(collector.stats())}\n`);
  return 0;
}
