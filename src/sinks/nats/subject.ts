/**
 * How a log entry maps onto JetStream (wire spec section 2.4): subject
 * `<prefix>.<gw>.<radio>.<dev>`, data = 36-byte header + CBOR body, `Nats-Msg-Id` = the key as
 * 32 lowercase hex digits. Pure functions, so a consumer's expectations can be tested without a server.
 */
import { HEADER_BYTES } from '../../wire/message';

/** Characters a subject token may not hold (separators, wildcards, whitespace). */
const UNSAFE = /[^A-Za-z0-9_-]/g;

/**
 * Subject of a message whose wire topic is `<radio>/<device>` (`sys/<event>` for gateway events).
 * Device ids are hex in practice; a codec-given id with other characters has them turned into `_`
 * so it stays one token. Undefined for a topic without a radio part.
 */
export function subjectFor(prefix: string, gatewayId: string, topic: Buffer | string): string | undefined {
  const t = typeof topic === 'string' ? topic : topic.toString('latin1');
  const slash = t.indexOf('/');
  if (slash <= 0 || slash === t.length - 1) return undefined;
  const radio = t.slice(0, slash).replace(UNSAFE, '_');
  const device = t.slice(slash + 1).replace(UNSAFE, '_');
  return `${prefix}.${gatewayId}.${radio}.${device}`;
}

/** `Nats-Msg-Id`: the header's 16-byte idempotency key as 32 lowercase hex digits. */
export function msgIdFor(header: Buffer): string {
  return header.toString('hex', 20, HEADER_BYTES);
}

/** The message data: frame 1 (header) followed by frame 2 (CBOR body). */
export function streamData(header: Buffer, body: Buffer): Buffer {
  return Buffer.concat([header, body], header.length + body.length);
}

/**
 * True when every subject matching `pattern` also matches the stream subject `filter`
 * (NATS wildcards: `*` one token, `>` one or more trailing tokens). Used to check that an
 * existing stream takes everything this gateway publishes (`<prefix>.<gw>.>`).
 */
export function subjectCovers(filter: string, pattern: string): boolean {
  const f = filter.split('.');
  const p = pattern.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return i < p.length;
    if (i >= p.length) return false;
    if (p[i] === '>') return false;
    if (f[i] === '*') continue;
    if (p[i] === '*' || f[i] !== p[i]) return false;
  }
  return f.length === p.length;
}
