/**
 * A backend's view of the stream, written from the wire contract alone (wire spec sections 1
 * and 2.4): data = 36-byte big-endian header + one CBOR map, `Nats-Msg-Id` = key in hex. It has
 * its own small CBOR reader on purpose, so a mistake in the gateway's encoder cannot hide here.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** One stored message, decoded. */
export interface StoredReading {
  subject: string;
  streamSeq: number;
  msgId: string;
  version: number;
  kind: number;
  radio: number;
  flags: number;
  seq: bigint;
  timeUs: bigint;
  key: string;
  body: Record<string, unknown>;
}

/** Decodes one CBOR item (definite lengths, as the contract's encoders write). */
export function decodeCborItem(buf: Uint8Array): unknown {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > buf.length) throw new Error('CBOR: truncated');
  };
  const arg = (info: number): number | bigint => {
    if (info < 24) return info;
    const width = [1, 2, 4, 8][info - 24];
    if (width === undefined) throw new Error(`CBOR: unsupported length encoding ${info}`);
    need(width);
    const v = width === 1 ? view.getUint8(pos) : width === 2 ? view.getUint16(pos) : width === 4 ? view.getUint32(pos) : view.getBigUint64(pos);
    pos += width;
    return typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const item = (): unknown => {
    need(1);
    const ib = buf[pos++];
    const major = ib >> 5;
    const info = ib & 31;
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      if (info === 23) return undefined;
      if (info === 25) {
        need(2);
        const h = view.getUint16(pos);
        pos += 2;
        const e = (h >> 10) & 31;
        const m = h & 1023;
        const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1 + m / 1024) * 2 ** (e - 15);
        return h & 0x8000 ? -v : v;
      }
      if (info === 26) {
        need(4);
        pos += 4;
        return view.getFloat32(pos - 4);
      }
      if (info === 27) {
        need(8);
        pos += 8;
        return view.getFloat64(pos - 8);
      }
      throw new Error(`CBOR: unsupported simple value ${info}`);
    }
    const n = arg(info);
    switch (major) {
      case 0:
        return n;
      case 1:
        return typeof n === 'bigint' ? -1n - n : -1 - n;
      case 2:
      case 3: {
        const len = Number(n);
        need(len);
        const bytes = buf.subarray(pos, pos + len);
        pos += len;
        return major === 2 ? Buffer.from(bytes) : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      }
      case 4:
        return Array.from({ length: Number(n) }, () => item());
      case 5: {
        const o: Record<string, unknown> = {};
        for (let i = 0; i < Number(n); i++) {
          const k = item();
          if (typeof k !== 'string') throw new Error('CBOR: map key is not text');
          o[k] = item();
        }
        return o;
      }
      default:
        return item(); // tag: the tagged item
    }
  };
  const v = item();
  if (pos !== buf.length) throw new Error(`CBOR: ${buf.length - pos} trailing bytes`);
  return v;
}

/** Decodes JetStream message data per the contract; throws on anything that breaks it. */
export function decodeData(subject: string, streamSeq: number, msgId: string, data: Uint8Array): StoredReading {
  if (data.length < 36) throw new Error(`data shorter than the 36-byte header: ${data.length}`);
  const h = Buffer.from(data.buffer, data.byteOffset, 36);
  const body = decodeCborItem(data.subarray(36));
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('body is not a CBOR map');
  return {
    subject, streamSeq, msgId,
    version: h[0], kind: h[1], radio: h[2], flags: h[3],
    seq: h.readBigUInt64BE(4), timeUs: h.readBigUInt64BE(12), key: h.toString('hex', 20, 36),
    body: body as Record<string, unknown>,
  };
}

/** Every message the stream holds now, in stream order, decoded (an ordered consumer, as a backend would read). */
export async function readStream(servers: string | string[], stream: string, opts: { user?: string; pass?: string } = {}): Promise<StoredReading[]> {
  const nc = await connect({ servers, ...opts });
  // Right after a cluster node died the stream may still be electing a leader: try again a while.
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      try {
        return await readStreamOn(nc, stream);
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await nc.close();
  }
}

/** {@link readStream} on an open connection. */
export async function readStreamOn(nc: NatsConnection, stream: string): Promise<StoredReading[]> {
  const jsm = await jetstreamManager(nc);
  const total = (await jsm.streams.info(stream)).state.messages;
  const out: StoredReading[] = [];
  if (total === 0) return out;
  const consumer = await jetstream(nc).consumers.get(stream);
  const deadline = Date.now() + 30_000;
  while (out.length < total) {
    if (Date.now() > deadline) throw new Error(`read ${out.length} of ${total} messages in 30 s`);
    const batch = await consumer.fetch({ max_messages: Math.min(1000, total - out.length), expires: 2000 });
    for await (const m of batch) {
      out.push(decodeData(m.subject, m.seq, m.headers?.get('Nats-Msg-Id') ?? '', m.data));
    }
  }
  return out;
}
