import * as zmq from 'zeromq';
import { decodeFrames, WireError } from '../../wire/message';
import { parse } from '../args';
import { messageToJson, messageToLine } from '../format';

/** Options of a tail subscription (also used by `demo`). */
export interface TailOptions {
  endpoint: string;
  filters: string[];
  json: boolean;
  count?: number;
  out?: (line: string) => void;
  signal?: AbortSignal;
}

/** Subscribe and print until aborted (or `count` messages). Returns how many were printed. */
export async function tail(opts: TailOptions): Promise<number> {
  const sub = new zmq.Subscriber({ linger: 0 });
  sub.connect(opts.endpoint);
  for (const f of opts.filters.length ? opts.filters : ['']) sub.subscribe(f);
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const onAbort = () => sub.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let n = 0;
  try {
    for await (const frames of sub) {
      try {
        const m = decodeFrames(frames);
        out(opts.json ? JSON.stringify(messageToJson(m)) : messageToLine(m));
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        out(opts.json ? JSON.stringify({ error: err.message }) : `! malformed message: ${err.message}`);
      }
      if (opts.count !== undefined && ++n >= opts.count) break;
    }
  } catch (err) {
    if (!sub.closed) throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (!sub.closed) sub.close();
  }
  return n;
}

/** `lowband tail [--endpoint E] [--filter T]... [--json] [--count N]` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    endpoint: { type: 'string', short: 'e', default: 'tcp://127.0.0.1:5556' },
    filter: { type: 'string', short: 'f', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    count: { type: 'string', short: 'n' },
  });
  const count = values.count !== undefined ? Number(values.count) : undefined;
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) {
    process.stderr.write('lowband tail: --count takes a positive integer\n');
    return 2;
  }
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await tail({ endpoint: values.endpoint!, filters: values.filter!, json: values.json!, count, signal: ac.signal });
  return 0;
}
