/**
 * The MQTT form of one wire message (wire spec section 2.3): topic `<prefix>/<gw>/<radio>/<dev>`
 * (or `<prefix>/<gw>/sys/<event>`) and a JSON object carrying `key` and `seq` so consumers can
 * drop duplicates after a QoS 1 redelivery.
 */
import { decodeFrames, Flag, type WireMessage } from '../../wire/message';

/** One reading or event ready to publish. */
export interface MqttMessage {
  topic: string;
  payload: Buffer;
  /** The decoded message, for Home Assistant discovery. */
  wire: WireMessage;
}

/** MQTT topic levels must not contain wildcards; the wire topic is ASCII, so only these need care. */
function topicLevel(s: string): string {
  return s.replace(/[+#\u0000]/g, '_');
}

/** `<prefix>/<gw>/<wire topic>`: the wire topic already is `<radio>/<dev>` or `sys/<event>` (topicLevel keeps its `/`). */
export function mqttTopic(prefix: string, gw: string, wireTopic: string): string {
  return `${prefix}/${topicLevel(gw)}/${topicLevel(wireTopic)}`;
}

/** Retained availability topic. */
export function statusTopic(prefix: string, gw: string): string {
  return `${prefix}/${topicLevel(gw)}/status`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** `YYYY-MM-DDTHH:MM:SS.` of the last second formatted: readings come many to a second. */
let isoSecond = -1;
let isoPrefix = '';

/** ISO 8601 UTC with microseconds (the header's resolution). */
export function isoTimeUs(timeUs: bigint): string {
  if (timeUs >= 0n && timeUs <= MAX_SAFE) {
    const us = Number(timeUs);
    const second = Math.floor(us / 1e6);
    if (second !== isoSecond) {
      const iso = new Date(second * 1000).toISOString();
      // Years past 9999 are written with six digits and a sign: those take the general path.
      if (iso.length !== 24) return isoTimeUsSlow(timeUs);
      isoSecond = second;
      isoPrefix = iso.slice(0, 20);
    }
    return `${isoPrefix}${String(us % 1e6).padStart(6, '0')}Z`;
  }
  return isoTimeUsSlow(timeUs);
}

function isoTimeUsSlow(timeUs: bigint): string {
  const ms = timeUs / 1000n;
  const base = new Date(Number(ms)).toISOString(); // ...T10:00:00.123Z
  const micro = (timeUs % 1000n).toString().padStart(3, '0');
  return `${base.slice(0, -1)}${micro}Z`;
}

/** Numbers beyond 2^53 become strings: JSON numbers would silently lose digits. */
function jsonInt(v: bigint): number | string {
  return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v.toString();
}

/** CBOR-decoded value → JSON-safe value (bytes as hex, big integers as strings). */
function toJson(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return jsonInt(v);
  // Hex straight from the bytes: no copy first.
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = toJson(x);
    return o;
  }
  if (typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = toJson(x);
    return o;
  }
  return null;
}

/** The JSON object for one wire message: key/seq/time first, then every body key (unknown ones kept). */
export function messageJson(m: WireMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    key: m.key.toString('hex'),
    seq: jsonInt(m.seq),
    time: isoTimeUs(m.timeUs),
  };
  for (const [k, v] of Object.entries(m.body)) {
    if (k in out) continue;
    out[k] = toJson(v);
  }
  if (m.flags & Flag.redelivery) out.redelivery = true;
  return out;
}

/** Decodes one log entry into its MQTT topic and payload; throws WireError on a malformed entry. */
export function toMqttMessage(frames: readonly Buffer[], prefix: string, gw: string): MqttMessage {
  const wire = decodeFrames(frames);
  return {
    topic: mqttTopic(prefix, gw, wire.topic),
    payload: Buffer.from(JSON.stringify(messageJson(wire))),
    wire,
  };
}
