import { createDecipheriv } from 'node:crypto';
import type { Advert, DecodeContext, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, type PartialDecoded, fail, firstServiceData, guarded, macBytes, putField, round, serviceData } from './common';

// BTHome v2 (https://bthome.io/format/, /encryption/). Service data UUID 0xfcd2:
//   device info byte (bit0 encrypted, bit2 trigger based, bits 5-7 version = 2), then objects
//   `id | value` with a length fixed by the id, except text/raw (0x53/0x54) which carry a length byte.
// Encrypted: devinfo | ciphertext | counter u32 LE | MIC(4); AES-128-CCM, no AAD,
//   nonce = MAC (printed order) | d2 fc | devinfo | counter bytes as sent.

const FMT = 'bthome';
const UUID = 'fcd2';

/** How an object's bytes become a field. */
const enum Kind { Num, Bool, Text, Raw, Button, Dimmer, Firmware }

interface ObjectSpec {
  name: string;
  kind: Kind;
  /** Value length in bytes (text/raw: 0 = length byte follows the id). */
  len: number;
  signed?: boolean;
  /** Value = raw / div (div 1 when absent). */
  div?: number;
  /** Value = raw * mul (for factors that are not powers of ten), rounded to 3 decimals. */
  mul?: number;
}

const num = (name: string, len: number, div = 1, signed = false): ObjectSpec => ({ name, kind: Kind.Num, len, div, signed });
const bool = (name: string): ObjectSpec => ({ name, kind: Kind.Bool, len: 1 });

/** Object table indexed by object id; names/units follow the lowband field table (docs/sensors.md). */
const OBJECTS: (ObjectSpec | undefined)[] = new Array(256);
const def: [number, ObjectSpec][] = [
  [0x00, num('packet_id', 1)],
  [0x01, num('battery', 1)],
  [0x02, num('temperature', 2, 100, true)],
  [0x03, num('humidity', 2, 100)],
  [0x04, num('pressure', 3, 100)],
  [0x05, num('illuminance', 3, 100)],
  [0x06, num('mass', 2, 100)],
  // lb converted to kg so one field name keeps one unit
  [0x07, { name: 'mass', kind: Kind.Num, len: 2, mul: 0.0045359237 }],
  [0x08, num('dewpoint', 2, 100, true)],
  [0x09, num('count', 1)],
  [0x0a, num('energy', 3, 1000)],
  [0x0b, num('power', 3, 100)],
  [0x0c, num('voltage', 2, 1000)],
  [0x0d, num('pm25', 2)],
  [0x0e, num('pm10', 2)],
  [0x0f, bool('generic')],
  [0x10, bool('power_on')],
  [0x11, bool('opening')],
  [0x12, num('co2', 2)],
  [0x13, num('tvoc', 2)],
  [0x14, num('moisture', 2, 100)],
  [0x15, bool('battery_low')],
  [0x16, bool('battery_charging')],
  [0x17, bool('carbon_monoxide')],
  [0x18, bool('cold')],
  [0x19, bool('connectivity')],
  [0x1a, bool('door')],
  [0x1b, bool('garage_door')],
  [0x1c, bool('gas_detected')],
  [0x1d, bool('heat')],
  [0x1e, bool('light')],
  [0x1f, bool('unlocked')],
  [0x20, bool('moisture_detected')],
  [0x21, bool('motion')],
  [0x22, bool('moving')],
  [0x23, bool('occupancy')],
  [0x24, bool('plug')],
  [0x25, bool('presence')],
  [0x26, bool('problem')],
  [0x27, bool('running')],
  [0x28, bool('unsafe')],
  [0x29, bool('smoke')],
  [0x2a, bool('sound')],
  [0x2b, bool('tamper')],
  [0x2c, bool('vibration')],
  [0x2d, bool('window')],
  [0x2e, num('humidity', 1)],
  [0x2f, num('moisture', 1)],
  [0x3a, { name: 'button', kind: Kind.Button, len: 1 }],
  [0x3c, { name: 'dimmer', kind: Kind.Dimmer, len: 2 }],
  [0x3d, num('count', 2)],
  [0x3e, num('count', 4)],
  [0x3f, num('rotation', 2, 10, true)],
  [0x40, num('distance', 2, 1000)], // mm → m
  [0x41, num('distance', 2, 10)],
  [0x42, num('duration', 3, 1000)],
  [0x43, num('current', 2, 1000)],
  [0x44, num('speed', 2, 100)],
  [0x45, num('temperature', 2, 10, true)],
  [0x46, num('uv_index', 1, 10)],
  [0x47, num('volume', 2, 10)],
  [0x48, num('volume', 2, 1000)], // mL → L
  [0x49, num('flow_rate', 2, 1000)],
  [0x4a, num('voltage', 2, 10)],
  [0x4b, num('gas', 3, 1000)],
  [0x4c, num('gas', 4, 1000)],
  [0x4d, num('energy', 4, 1000)],
  [0x4e, num('volume', 4, 1000)],
  [0x4f, num('water', 4, 1000)],
  [0x50, num('timestamp', 4)],
  [0x51, num('acceleration', 2, 1000)],
  [0x52, num('gyroscope', 2, 1000)],
  [0x53, { name: 'text', kind: Kind.Text, len: 0 }],
  [0x54, { name: 'raw', kind: Kind.Raw, len: 0 }],
  [0x55, num('volume_storage', 4, 1000)],
  [0x56, num('conductivity', 2)],
  [0x57, num('temperature', 1, 1, true)],
  [0x58, { name: 'temperature', kind: Kind.Num, len: 1, signed: true, mul: 0.35 }],
  [0x59, num('count', 1, 1, true)],
  [0x5a, num('count', 2, 1, true)],
  [0x5b, num('count', 4, 1, true)],
  [0x5c, num('power', 4, 100, true)],
  [0x5d, num('current', 2, 1000, true)],
  [0x5e, num('direction', 2, 100)],
  [0x5f, num('precipitation', 2, 10)],
  [0x60, num('channel', 1)],
  [0x61, num('rotational_speed', 2)],
  [0x62, num('speed', 4, 1e6, true)],
  [0x63, num('acceleration', 4, 1e6, true)],
  [0x64, num('light_level', 1)],
  [0xf0, num('device_type', 2)],
  [0xf1, { name: 'firmware', kind: Kind.Firmware, len: 4 }],
  [0xf2, { name: 'firmware', kind: Kind.Firmware, len: 3 }],
];
for (const [id, spec] of def) OBJECTS[id] = spec;

const BUTTON_EVENTS: Record<number, string> = {
  0x00: 'none', 0x01: 'press', 0x02: 'double_press', 0x03: 'triple_press', 0x04: 'long_press',
  0x05: 'long_double_press', 0x06: 'long_triple_press', 0x80: 'hold_press',
};
const DIMMER_EVENTS: Record<number, string> = { 0x00: 'none', 0x01: 'rotate_left', 0x02: 'rotate_right' };

/** Result of walking the object list of one (plaintext) BTHome payload. */
export interface BthomeObjects {
  fields: Fields;
  packetId?: number;
  /** Set when the walk stopped before the end: `unknown_object_0xNN` or `truncated_object_0xNN`. */
  warning?: string;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function readUInt(b: Buffer, at: number, len: number, signed: boolean): number {
  return signed ? b.readIntLE(at, len) : b.readUIntLE(at, len);
}

/**
 * Parses BTHome v2 objects from `b[start..]`. Stops at the first unknown id or an object running
 * past the end (the ids after an unknown one cannot be located), keeping what was decoded.
 */
export function parseBthomeObjects(b: Buffer, start: number): BthomeObjects {
  const fields: Fields = {};
  const out: BthomeObjects = { fields };
  let i = start;
  while (i < b.length) {
    const id = b[i];
    const spec = OBJECTS[id];
    if (!spec) {
      out.warning = `unknown_object_0x${hex2(id)}`;
      break;
    }
    let at = i + 1;
    let len = spec.len;
    if (len === 0) {
      if (at >= b.length) {
        out.warning = `truncated_object_0x${hex2(id)}`;
        break;
      }
      len = b[at];
      at++;
    }
    if (at + len > b.length) {
      out.warning = `truncated_object_0x${hex2(id)}`;
      break;
    }
    switch (spec.kind) {
      case Kind.Num: {
        const raw = readUInt(b, at, len, spec.signed === true);
        const v = spec.mul !== undefined ? round(raw * spec.mul, 3) : raw / (spec.div ?? 1);
        if (id === 0x00 && out.packetId === undefined) out.packetId = raw;
        putField(fields, spec.name, v);
        break;
      }
      case Kind.Bool:
        putField(fields, spec.name, b[at] !== 0);
        break;
      case Kind.Text:
        putField(fields, spec.name, b.toString('utf8', at, at + len));
        break;
      case Kind.Raw:
        putField(fields, spec.name, b.toString('hex', at, at + len));
        break;
      case Kind.Button:
        putField(fields, spec.name, BUTTON_EVENTS[b[at]] ?? `event_0x${hex2(b[at])}`);
        break;
      case Kind.Dimmer: {
        // Event and steps share a suffix so `dimmer_2` pairs with `dimmer_steps_2`.
        const key = putField(fields, spec.name, DIMMER_EVENTS[b[at]] ?? `event_0x${hex2(b[at])}`);
        fields[key.replace('dimmer', 'dimmer_steps')] = b[at + 1];
        break;
      }
      case Kind.Firmware: {
        // Little-endian on air, printed most significant part first (0x00 01 02 04 → 4.2.1.0).
        const parts: number[] = [];
        for (let k = len - 1; k >= 0; k--) parts.push(b[at + k]);
        putField(fields, spec.name, parts.join('.'));
        break;
      }
    }
    i = at + len;
  }
  return out;
}

function decrypt(key: Buffer, nonce: Buffer, ct: Buffer, mic: Buffer, aad?: Buffer): Buffer | undefined {
  try {
    const d = createDecipheriv('aes-128-ccm', key, nonce, { authTagLength: 4 });
    d.setAuthTag(mic);
    if (aad) d.setAAD(aad, { plaintextLength: ct.length });
    const p = d.update(ct);
    d.final();
    return p;
  } catch {
    return undefined;
  }
}

function result(objs: BthomeObjects, payload: Buffer, counter: number | undefined, authenticated: boolean): DecodeResult {
  if (objs.warning && Object.keys(objs.fields).length === 0) return fail(FMT, 'malformed');
  const r: PartialDecoded = { fmt: FMT, fields: objs.fields, payload };
  if (counter !== undefined) r.counter = counter;
  else if (objs.packetId !== undefined) r.counter = objs.packetId;
  if (authenticated) r.authenticated = true;
  if (objs.warning) r.warning = objs.warning;
  return r;
}

function decodeBthome(advert: Advert, ctx: DecodeContext): DecodeResult {
  const sd = serviceData(advert, UUID);
  if (!sd || sd.length < 1) return fail(FMT, 'malformed');
  const info = sd[0];
  if (info >> 5 !== 2) return fail(FMT, 'unsupported_version');
  // Bit 1: the sender's MAC (reversed) follows the device info byte; it replaces the advert's
  // address in the nonce (devices behind a relay or with a rotating address send it).
  let start = 1;
  let mac = macBytes(advert.mac);
  if (info & 0x02) {
    if (sd.length < 7) return fail(FMT, 'malformed');
    mac = Buffer.from(sd.subarray(1, 7)).reverse();
    start = 7;
  }
  if ((info & 1) === 0) return result(parseBthomeObjects(sd, start), sd, undefined, false);
  // devinfo [+ MAC] + at least one ciphertext byte + counter + MIC
  if (sd.length < start + 1 + 4 + 4) return fail(FMT, 'malformed');
  const key = ctx.bindkey;
  if (!key) return fail(FMT, 'no_key');
  if (key.length !== 16) return fail(FMT, 'bad_key');
  if (!mac) return fail(FMT, 'malformed');
  const n = sd.length;
  const ctr = sd.subarray(n - 8, n - 4);
  const nonce = Buffer.allocUnsafe(13);
  mac.copy(nonce, 0);
  nonce[6] = 0xd2;
  nonce[7] = 0xfc;
  nonce[8] = info;
  ctr.copy(nonce, 9);
  const plain = decrypt(key, nonce, sd.subarray(start, n - 8), sd.subarray(n - 4));
  if (!plain) return fail(FMT, 'auth_failed');
  const counter = ctr.readUInt32LE(0);
  // Checked after authentication so a forged frame counts as auth_failed, not replay.
  if (ctx.lastCounter !== undefined && counter <= ctx.lastCounter) return fail(FMT, 'replay');
  return result(parseBthomeObjects(plain, 0), sd, counter, true);
}

// BTHome v1 (bthome.io/v1): service data 0x181c plain, 0x181e encrypted. Each object is
// `format<<5 | length` (length = id + value bytes), the object id (same ids and scales as v2),
// then the value; format 0 unsigned, 1 signed, 2 float (4 bytes: float32, 2 bytes: float16),
// 3 string, 4 MAC. Encrypted v1:
// ciphertext | counter u32 LE | MIC(4), AES-128-CCM with AAD 0x11, nonce = MAC | 1e 18 | counter.
const V1_PLAIN = '181c';
const V1_ENCRYPTED = '181e';
const V1_AAD = Buffer.from([0x11]);
const UUIDS = [UUID, V1_PLAIN, V1_ENCRYPTED];

/** IEEE 754 half-precision float, little-endian (BTHome v1 float objects of 2 value bytes). */
function halfLE(b: Buffer, at: number): number {
  const h = b.readUInt16LE(at);
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  const v = e === 0 ? (f / 1024) * 2 ** -14 : e === 31 ? NaN : (1 + f / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

/** Parses BTHome v1 objects; stops at the first object running past the end. */
export function parseBthomeV1Objects(b: Buffer): BthomeObjects {
  const fields: Fields = {};
  const out: BthomeObjects = { fields };
  let i = 0;
  while (i < b.length) {
    const len = b[i] & 0x1f;
    const format = b[i] >> 5;
    if (len < 1 || i + 1 + len > b.length) {
      out.warning = 'truncated_object';
      break;
    }
    const id = b[i + 1];
    const at = i + 2;
    const vlen = len - 1;
    const spec = OBJECTS[id];
    i += 1 + len;
    if (!spec) continue; // v1 objects carry their length, so an unknown id is skipped
    if (format === 3) putField(fields, spec.name, b.toString('utf8', at, at + vlen));
    else if (format === 4) continue;
    else if (spec.kind === Kind.Bool) putField(fields, spec.name, vlen > 0 && b[at] !== 0);
    else if (vlen >= 1 && vlen <= 4) {
      const raw = format === 2 ? (vlen === 4 ? b.readFloatLE(at) : vlen === 2 ? halfLE(b, at) : NaN) : readUInt(b, at, vlen, format === 1);
      if (!Number.isFinite(raw)) continue;
      const v = spec.mul !== undefined ? round(raw * spec.mul, 3) : round(raw / (spec.div ?? 1), 6);
      if (id === 0x00 && out.packetId === undefined) out.packetId = raw;
      putField(fields, spec.name, v);
    }
  }
  return out;
}

function decodeBthomeV1(advert: Advert, ctx: DecodeContext): DecodeResult {
  const plainSd = serviceData(advert, V1_PLAIN);
  if (plainSd) return result(parseBthomeV1Objects(plainSd), plainSd, undefined, false);
  const sd = serviceData(advert, V1_ENCRYPTED);
  if (!sd || sd.length < 1 + 4 + 4) return fail(FMT, 'malformed');
  const key = ctx.bindkey;
  if (!key) return fail(FMT, 'no_key');
  if (key.length !== 16) return fail(FMT, 'bad_key');
  const mac = macBytes(advert.mac);
  if (!mac) return fail(FMT, 'malformed');
  const n = sd.length;
  const ctr = sd.subarray(n - 8, n - 4);
  const nonce = Buffer.concat([mac, Buffer.from([0x1e, 0x18]), ctr]);
  const plain = decrypt(key, nonce, sd.subarray(0, n - 8), sd.subarray(n - 4), V1_AAD);
  if (!plain) return fail(FMT, 'auth_failed');
  const counter = ctr.readUInt32LE(0);
  if (ctx.lastCounter !== undefined && counter <= ctx.lastCounter) return fail(FMT, 'replay');
  return result(parseBthomeV1Objects(plain), sd, counter, true);
}

/** BTHome v2 (service data 0xfcd2) and v1 (0x181c plain, 0x181e encrypted), plain and AES-CCM. */
export const BthomeDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID, V1_PLAIN, V1_ENCRYPTED],
  matches: (advert) => firstServiceData(advert, UUIDS) !== undefined,
  decode: (advert, ctx) => guarded(FMT, () => (serviceData(advert, UUID) ? decodeBthome(advert, ctx) : decodeBthomeV1(advert, ctx))),
};
