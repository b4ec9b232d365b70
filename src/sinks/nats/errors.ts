/**
 * Failures from the client and the server, sorted into the causes `lowband status` counts. The
 * cause decides what the sink does next: wait for a reconnect, re-check the stream, or back off.
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';

/** Why a connect or a publish failed. */
export type NatsCause =
  | 'auth' // credentials refused
  | 'connect' // no server reachable (refused, unresolvable, TLS handshake)
  | 'tls' // certificate not trusted
  | 'disconnected' // the connection went away under the request
  | 'timeout' // no ack within ack_timeout_ms
  | 'no_stream' // no stream takes the subject (or JetStream is off)
  | 'no_permission' // the user may not publish / manage the stream
  | 'storage_full' // the stream or the server refuses to store more (max_bytes, max_msgs, disk)
  | 'stream_unusable' // settings that cannot carry our readings
  | 'other';

/** JetStream's "stream store failed" code: max bytes / messages reached with discard new, disk full. */
const STORE_FAILED = 10077;
const INSUFFICIENT_RESOURCES = 10023;

/** The cause of a failed publish or connect. */
export function classify(err: unknown): NatsCause {
  const e = err as Error;
  const msg = e?.message ?? String(err);
  if (err instanceof JetStreamApiError && (err.code === STORE_FAILED || err.code === INSUFFICIENT_RESOURCES)) return 'storage_full';
  if (/maximum (bytes|messages|messages per subject) exceeded|insufficient (resources|storage)|no space/i.test(msg)) return 'storage_full';
  if (err instanceof errors.PermissionViolationError || /permission/i.test(msg)) return 'no_permission';
  if (err instanceof errors.AuthorizationError || /authorization|authentication|user authentication/i.test(msg)) return 'auth';
  // The client reports a publish nobody answers (no stream on the subject) as "jetstream is not enabled".
  if (err instanceof errors.NoRespondersError || /no responders|stream not found|jetstream is not enabled/i.test(msg)) return 'no_stream';
  if (err instanceof errors.TimeoutError || /timeout|timed out/i.test(msg)) return 'timeout';
  if (/certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i.test(msg) || /CERT|UNABLE_TO/.test((err as NodeJS.ErrnoException)?.code ?? '')) return 'tls';
  if (err instanceof errors.ClosedConnectionError || err instanceof errors.DrainingConnectionError) return 'disconnected';
  if (err instanceof errors.ConnectionError || /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|connection/i.test(msg)) return 'connect';
  return 'other';
}

/** Causes that mean the server refuses for now: retry the same entries after a backoff. */
export function needsBackoff(cause: NatsCause): boolean {
  return cause === 'storage_full' || cause === 'no_permission' || cause === 'other';
}
