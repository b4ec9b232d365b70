/**
 * `lowband doctor` for `upstream.nats`: can this gateway log in with its credentials, and does
 * the stream exist with settings that carry its readings? Read-only: it never creates the stream.
 */
import { jetstreamManager, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { gatewayId, type Config } from '../config/load';
import { classify } from '../sinks/nats/errors';
import { NatsConfigError, resolveNatsEndpoint } from '../sinks/nats/options';
import { streamProblem, wantedStream } from '../sinks/nats/stream';
import type { CheckResult } from './result';

/** Checks the NATS upstream; never throws. */
export async function checkNats(cfg: Config, timeoutMs: number): Promise<CheckResult[]> {
  const n = cfg.upstream.nats;
  if (!n) return [];
  const name = 'upstream nats';
  const id = gatewayId(cfg);
  let endpoint;
  try {
    endpoint = resolveNatsEndpoint(n, id);
  } catch (err) {
    if (err instanceof NatsConfigError) return [{ level: 'FAIL', name, detail: err.message, fix: `make the file readable by the lowband user or fix ${err.key}` }];
    throw err;
  }
  const servers = n.url.join(', ');
  let nc;
  try {
    nc = await connect({ ...endpoint.options, timeout: timeoutMs, reconnect: false, maxReconnectAttempts: 0 });
  } catch (err) {
    const cause = classify(err);
    const fix =
      cause === 'auth' ? 'check upstream.nats user/password_file, token_file, nkey_file or creds_file against the server'
        : cause === 'tls' ? 'set upstream.nats.ca_file to the CA that signed the server certificate'
          : `start nats-server or fix upstream.nats.url; test from this host with: nc -vz <host> <port>`;
    return [{ level: 'FAIL', name, detail: `${servers}: ${cause} (${(err as Error).message})`, fix }];
  }
  const out: CheckResult[] = [{ level: 'ok', name, detail: `connected to ${nc.getServer()} (${endpoint.describe.tls ? 'TLS' : 'plain'}, auth ${endpoint.describe.auth})` }];
  const want = wantedStream(n, id);
  try {
    const info = await (await jetstreamManager(nc, { checkAPI: false, timeout: timeoutMs })).streams.info(n.stream);
    const problem = streamProblem(info.config, want);
    out.push(
      problem
        ? { level: 'FAIL', name: 'nats stream', detail: problem, fix: `change stream ${n.stream} so its subjects cover ${want.ours} with a duplicate window (nats stream edit ${n.stream})` }
        : {
            level: 'ok', name: 'nats stream',
            detail: `${n.stream}: subjects [${info.config.subjects.join(', ')}], duplicate window ${info.config.duplicate_window / 1e9} s, ${info.config.num_replicas} replica(s), ${info.state.messages} messages`,
          },
    );
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
      out.push({ level: 'warn', name: 'nats stream', detail: `${n.stream} does not exist yet; the gateway creates it at start (subjects "${n.subject_prefix}.>") if its user may`, fix: `or create it: nats stream add ${n.stream} --subjects "${n.subject_prefix}.>" --storage file --dupe-window ${n.duplicate_window_s}s` });
    } else {
      out.push({ level: 'FAIL', name: 'nats stream', detail: `${n.stream}: ${classify(err)} (${(err as Error).message})`, fix: 'check that JetStream is on (nats-server -js) and that the user may read stream info' });
    }
  } finally {
    await nc.close().catch(() => undefined);
  }
  return out;
}
