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
  /** Where to say what is happening (connected, silence); the CLI gives stderr, the demo nothing. */
  notice?: (line: string) => void;
  /** After this long without a message, one notice says so (and says what to check). */
  silenceMs?: number;
}

const ENDPOINT = /^(tcp:\/\/(\[[0-9a-fA-F:]+\]|[^\s/:[\]]+):\d{1,5}|ipc:\/\/\S+|inproc:\/\/\S+)$/;

/**
 * Checks a ZeroMQ endpoint before libzmq sees it (libzmq only says "Invalid argument"); the
 * error says the form expected and, for `host:port`, the endpoint probably meant.
 */
export function checkEndpoint(e: string): void {
  if (ENDPOINT.test(e)) return;
  const hostPort = /^(\[[0-9a-fA-F:]+\]|[^\s/:[\]]+):\d{1,5}$/.test(e) ? ` (did you mean tcp://${e}?)` : '';
  throw new UsageError(`--endpoint takes a ZeroMQ endpoint, tcp://HOST:PORT or ipc:///PATH, got ${JSON.stringify(e.slice(0, 80))}${hostPort}`);
}

/** Subscribe and print until aborted (or `count` messages). Returns how many were printed. */
export async function tail(opts: TailOptions): Promise<number> {
  const sub = new zmq.Subscriber({ linger: 0 });
  if (opts.curve) applyCurve(sub, 'client', opts.curve);
  const notice = opts.notice;
  if (notice) {
    // libzmq connects in the background and retries forever: say when it is there, and when
    // nothing comes, rather than printing nothing forever. Watched before connect(): an ipc
    // connection can be made before a monitor started later would see it.
    sub.events.on('connect', () => notice(`connected to ${opts.endpoint}`));
    sub.events.on('handshake:error:auth', () => notice(`${opts.endpoint} refused this client's CURVE key (is its .pub in the gateway's allowed_clients_file?)`));
  }
  try {
    sub.connect(opts.endpoint);
  } catch (err) {
    sub.close();
    throw new UsageError(`cannot connect to ${opts.endpoint}: ${(err as Error).message} (expected tcp://HOST:PORT or ipc:///PATH)`);
  }
  let silence: NodeJS.Timeout | undefined;
  if (notice && opts.silenceMs) {
    silence = setTimeout(() => notice(
      `nothing received from ${opts.endpoint} in ${Math.round(opts.silenceMs! / 1000)} s: is the gateway running (lowband status), ` +
        'is this its upstream.publish.bind, and does --filter match? Still waiting; Ctrl-C stops.',
    ), opts.silenceMs);
    silence.unref();
  }
  for (const f of opts.filters.length ? opts.filters : ['']) sub.subscribe(f);
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const onAbort = () => sub.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let n = 0;
  try {
    for await (const frames of sub) {
      if (silence) silence = void clearTimeout(silence);
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
    clearTimeout(silence);
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
    'silence-s': { type: 'string', default: '5' },
  });
  checkEndpoint(values.endpoint!);
  const silenceS = Number(values['silence-s']);
  if (!Number.isFinite(silenceS) || silenceS < 0) throw new UsageError('--silence-s takes a number of seconds (0: never warn)');
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
  const notice = (l: string) => process.stderr.write(`lowband tail: ${l}\n`);
  const topics = values.filter!.length ? values.filter!.join(', ') : 'all topics';
  notice(`subscribing to ${values.endpoint} (${topics}${curve ? ', CURVE' : ''}); Ctrl-C stops`);
  await tail({ endpoint: values.endpoint!, filters: values.filter!, json: values.json!, count, signal: ac.signal, curve, notice, silenceMs: silenceS * 1000 });
  return 0;
}
