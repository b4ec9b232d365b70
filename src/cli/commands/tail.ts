import * as zmq from 'zeromq';
import { decodeFrames, WireError } from '../../wire/message';
import { applyCurve, isZ85Key, publicKeyFromSecret, readKeyFile } from '../../security';
import { parse, UsageError } from '../args';
import { messageToJson, messageToLine } from '../format';

/** Options of a tail subscription (also used by `demo`). */
export interface TailOptions {
  endpoint: string;
  /** CurveZMQ client keys (Z85) when the gateway's publish socket requires them. */
  curve?: { serverKey: string; publicKey: string; secretKey: string };
  filters: string[];
  json: boolean;
  count?: number;
  out?: (line: string) => void;
  signal?: AbortSignal;
}

/** Subscribe and print until aborted (or `count` messages). Returns how many were printed. */
export async function tail(opts: TailOptions): Promise<number> {
  const sub = new zmq.Subscriber({ linger: 0 });
  if (opts.curve) applyCurve(sub, 'client', opts.curve);
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

/** `lowband tail [--endpoint E] [--filter T]... [--json] [--count N] [--server-key Z85 --key-file F]` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    endpoint: { type: 'string', short: 'e', default: 'tcp://127.0.0.1:5556' },
    filter: { type: 'string', short: 'f', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    count: { type: 'string', short: 'n' },
    'server-key': { type: 'string' },
    'key-file': { type: 'string' },
  });
  const count = values.count !== undefined ? Number(values.count) : undefined;
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) {
    process.stderr.write('lowband tail: --count takes a positive integer\n');
    return 2;
  }
  let curve: TailOptions['curve'];
  if (values['server-key'] !== undefined || values['key-file'] !== undefined) {
    // A CURVE-secured gateway: its public key, and this client's secret key file (its public
    // key must be in the gateway's allowed_clients_file).
    if (!values['server-key'] || !isZ85Key(values['server-key']) || !values['key-file']) {
      throw new UsageError('CURVE needs both --server-key <gateway public key, Z85> and --key-file <client .key file>');
    }
    const secretKey = await readKeyFile(values['key-file']);
    curve = { serverKey: values['server-key'], secretKey, publicKey: publicKeyFromSecret(secretKey) };
  }
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await tail({ endpoint: values.endpoint!, filters: values.filter!, json: values.json!, count, signal: ac.signal, curve });
  return 0;
}
