/**
 * Pure Semtech UDP packet-forwarder protocol (Lora-net packet_forwarder PROTOCOL.TXT, versions 1 and 2).
 * Datagram: version(1) | token(2) | identifier(1) | [gateway EUI(8) | JSON]. The token is echoed
 * verbatim in acks: implementations disagree on its byte order, so it is never interpreted.
 * Parsing never throws: bad input gives a typed error with a cause.
 */
import { decodeBase64 } from './base64';

/** Datagram identifiers. */
export const PUSH_DATA = 0x00;
export const PUSH_ACK = 0x01;
export const PULL_DATA = 0x02;
export const PULL_RESP = 0x03;
export const PULL_ACK = 0x04;
export const TX_ACK = 0x05;

/** Largest datagram we accept (the protocol's JSON is far smaller). */
export const MAX_DATAGRAM = 64 * 1024;
/** rxpk entries per datagram beyond which the rest are ignored (counted as malformed). */
export const MAX_RXPK = 256;

/** Why a datagram or an rxpk was refused. */
export type SemtechErrorCause =
  | 'oversize' | 'truncated' | 'bad_version' | 'unexpected_type' | 'bad_json' | 'bad_field' | 'bad_base64' | 'size_mismatch';

/** A typed protocol error; `detail` says what exactly. */
export interface SemtechError {
  cause: SemtechErrorCause;
  detail: string;
}

/** A gateway-to-server datagram. */
export type UplinkDatagram =
  | { type: 'PUSH_DATA'; version: number; token: Buffer; gatewayEui: string; json: Record<string, unknown> }
  | { type: 'PULL_DATA'; version: number; token: Buffer; gatewayEui: string }
  | { type: 'TX_ACK'; version: number; token: Buffer; gatewayEui: string; json?: Record<string, unknown> };

/** The fixed part of a datagram, known even when its JSON is bad (so it can still be acked). */
export interface DatagramHeader {
  type: UplinkDatagram['type'];
  version: number;
  token: Buffer;
  gatewayEui: string;
}

/** Result of parsing a datagram; a failure carries the header when that much was valid. */
export type DatagramResult = { ok: true; datagram: UplinkDatagram } | { ok: false; error: SemtechError; header?: DatagramHeader };

/** One received LoRa (or FSK) packet from an `rxpk` entry. */
export interface RxPacket {
  raw: Buffer;
  /** Centre frequency in Hz (integer). */
  freq: number;
  /** `SF7BW125` for LoRa, `FSK50000` for FSK. */
  dr: string;
  rssi?: number;
  snr?: number;
  /** 1 CRC ok, -1 CRC bad, 0 no CRC. */
  stat: number;
  tmst?: number;
  /** Gateway's UTC time string, when it has one. */
  time?: string;
  chan?: number;
  rfch?: number;
  modu?: string;
  codr?: string;
}

/** Result of reading one rxpk entry. */
export type RxpkResult = { ok: true; packet: RxPacket } | { ok: false; error: SemtechError };

const err = (cause: SemtechErrorCause, detail: string): { ok: false; error: SemtechError } => ({ ok: false, error: { cause, detail } });

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Parses one datagram sent by a packet forwarder. */
export function parseDatagram(buf: Buffer): DatagramResult {
  if (!Buffer.isBuffer(buf)) return err('truncated', 'not a byte buffer');
  if (buf.length > MAX_DATAGRAM) return err('oversize', `datagram of ${buf.length} bytes exceeds ${MAX_DATAGRAM}`);
  if (buf.length < 4) return err('truncated', `datagram of ${buf.length} bytes is shorter than its 4-byte header`);
  const version = buf[0];
  if (version !== 1 && version !== 2) return err('bad_version', `protocol version ${version} (expected 1 or 2)`);
  const token = Buffer.from(buf.subarray(1, 3));
  const id = buf[3];
  if (id !== PUSH_DATA && id !== PULL_DATA && id !== TX_ACK) {
    return err('unexpected_type', `identifier 0x${id.toString(16).padStart(2, '0')} is not sent by a gateway`);
  }
  if (buf.length < 12) return err('truncated', `datagram of ${buf.length} bytes has no complete gateway EUI`);
  const gatewayEui = buf.subarray(4, 12).toString('hex');
  if (id === PULL_DATA) return { ok: true, datagram: { type: 'PULL_DATA', version, token, gatewayEui } };
  const body = buf.subarray(12);
  if (id === TX_ACK) {
    // Version 1 TX_ACK carries no JSON; version 2 may carry a txpk_ack object.
    if (body.length === 0 || body.every((b) => b === 0 || b === 0x20)) return { ok: true, datagram: { type: 'TX_ACK', version, token, gatewayEui } };
    const j = parseJson(body);
    if (!j.ok) return { ...j, header: { type: 'TX_ACK', version, token, gatewayEui } };
    return { ok: true, datagram: { type: 'TX_ACK', version, token, gatewayEui, json: j.value } };
  }
  const j = parseJson(body);
  if (!j.ok) return { ...j, header: { type: 'PUSH_DATA', version, token, gatewayEui } };
  return { ok: true, datagram: { type: 'PUSH_DATA', version, token, gatewayEui, json: j.value } };
}

function parseJson(body: Buffer): { ok: true; value: Record<string, unknown> } | { ok: false; error: SemtechError } {
  let value: unknown;
  try {
    // Some forwarders NUL-terminate the JSON string.
    const end = body.indexOf(0);
    value = JSON.parse(body.subarray(0, end === -1 ? body.length : end).toString('utf8'));
  } catch (e) {
    return err('bad_json', `JSON: ${e instanceof Error ? e.message.slice(0, 120) : 'unparseable'}`);
  }
  if (!isObject(value)) return err('bad_json', 'JSON body is not an object');
  return { ok: true, value };
}

/** PUSH_ACK or PULL_ACK for a datagram: version and token echoed verbatim. */
export function buildAck(d: { version: number; token: Buffer }, type: typeof PUSH_ACK | typeof PULL_ACK): Buffer {
  return Buffer.from([d.version, d.token[0], d.token[1], type]);
}

const LORA_DATR = /^SF(5|6|7|8|9|10|11|12)BW(125|250|500|203|406|812|1625)$/;

/**
 * A finite number, else undefined. Takes the value, not (object, key): a keyed read shared by
 * every field went megamorphic (1–3 % of the UDP path in profiles); `v.freq` stays a plain load.
 */
const finite = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** Reads one `rxpk` entry into a packet, checking every field's type. */
export function parseRxpk(v: unknown): RxpkResult {
  if (!isObject(v)) return err('bad_field', 'rxpk entry is not an object');
  const data = v.data;
  if (typeof data !== 'string') return err('bad_field', 'rxpk.data is not a string');
  const raw = decodeBase64(data);
  if (!raw) return err('bad_base64', 'rxpk.data is not base64');
  if (v.size !== undefined) {
    if (typeof v.size !== 'number' || !Number.isInteger(v.size)) return err('bad_field', 'rxpk.size is not an integer');
    if (v.size !== raw.length) return err('size_mismatch', `rxpk.size ${v.size} but data holds ${raw.length} bytes`);
  }
  const freqMHz = finite(v.freq);
  if (freqMHz === undefined || freqMHz <= 0 || freqMHz > 10_000) return err('bad_field', 'rxpk.freq is not a frequency in MHz');
  // 868.1 * 1e6 is 868100000.0000001 in binary floating point: round to whole Hz.
  const freq = Math.round(freqMHz * 1e6);
  let dr: string;
  const modu = typeof v.modu === 'string' ? v.modu : undefined;
  if (typeof v.datr === 'string') {
    if (!LORA_DATR.test(v.datr)) return err('bad_field', `rxpk.datr ${JSON.stringify(v.datr.slice(0, 20))} is not SFnBWm`);
    dr = v.datr;
  } else if (typeof v.datr === 'number' && Number.isInteger(v.datr) && v.datr > 0) {
    dr = `FSK${v.datr}`;
  } else {
    return err('bad_field', 'rxpk.datr is missing or of the wrong type');
  }
  let stat = 1;
  if (v.stat !== undefined) {
    if (v.stat !== 1 && v.stat !== -1 && v.stat !== 0) return err('bad_field', 'rxpk.stat is not 1, 0 or -1');
    stat = v.stat;
  }
  // Protocol v2 multi-antenna forwarders put RSSI/SNR per antenna in rsig[].
  const rsig = Array.isArray(v.rsig) && isObject(v.rsig[0]) ? v.rsig[0] : undefined;
  const rssi = finite(v.rssi) ?? (rsig ? finite(rsig.rssic) ?? finite(rsig.rssis) : undefined);
  const snr = finite(v.lsnr) ?? (rsig ? finite(rsig.lsnr) : undefined);
  const packet: RxPacket = { raw, freq, dr, stat };
  if (rssi !== undefined) packet.rssi = Math.round(rssi);
  if (snr !== undefined) packet.snr = snr;
  const tmst = finite(v.tmst);
  if (tmst !== undefined) packet.tmst = tmst;
  if (typeof v.time === 'string') packet.time = v.time.slice(0, 64);
  const chan = finite(v.chan);
  if (chan !== undefined) packet.chan = chan;
  const rfch = finite(v.rfch);
  if (rfch !== undefined) packet.rfch = rfch;
  if (modu) packet.modu = modu.slice(0, 16);
  if (typeof v.codr === 'string') packet.codr = v.codr.slice(0, 16);
  return { ok: true, packet };
}

/** What a PUSH_DATA carries: packets, per-entry errors and the gateway's `stat` report if any. */
export interface PushContents {
  packets: RxPacket[];
  errors: SemtechError[];
  stat?: Record<string, number | string | boolean>;
}

/** Splits a PUSH_DATA JSON object into packets, errors and a sanitised stat object. */
export function readPush(json: Record<string, unknown>): PushContents {
  const out: PushContents = { packets: [], errors: [] };
  if (json.rxpk !== undefined) {
    if (!Array.isArray(json.rxpk)) {
      out.errors.push({ cause: 'bad_field', detail: 'rxpk is not an array' });
    } else {
      json.rxpk.forEach((e, i) => {
        if (i >= MAX_RXPK) {
          if (i === MAX_RXPK) out.errors.push({ cause: 'bad_field', detail: `more than ${MAX_RXPK} rxpk entries` });
          return;
        }
        const r = parseRxpk(e);
        if (r.ok) out.packets.push(r.packet);
        else out.errors.push(r.error);
      });
    }
  }
  if (json.stat !== undefined) {
    if (!isObject(json.stat)) {
      out.errors.push({ cause: 'bad_field', detail: 'stat is not an object' });
    } else {
      const stat: Record<string, number | string | boolean> = {};
      let n = 0;
      for (const [k, val] of Object.entries(json.stat)) {
        if (n >= 32 || k.length > 32) continue;
        if ((typeof val === 'number' && Number.isFinite(val)) || typeof val === 'boolean') stat[k] = val;
        else if (typeof val === 'string') stat[k] = val.slice(0, 128);
        else continue;
        n++;
      }
      out.stat = stat;
    }
  }
  return out;
}
