import type { Advert } from './advert';
import { isFailure } from './advert';
import { KNOWN_SERVICE_UUIDS, decodeAdvert } from './decoders/registry';

// `lowband decode ble`: one JSON line in, one JSON line out, shaped like OpenMQTTGateway's
// undecoded BTtoMQTT messages: {"id":"AA:BB:..","name","manufacturerdata":"hex","servicedata":"hex",
// "servicedatauuid":"0xfcd2","rssi":-70}. Manufacturer data starts with the company id (little-endian).
// An optional "model" key plays the part of `pair --model` for adverts that do not say their model.

/** Input that cannot be turned into an advert; `message` is the short error code printed. */
export class OmgInputError extends Error {}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE_UUID_TAIL = '00001000800000805f9b34fb';

function hexField(obj: Record<string, unknown>, key: string): Buffer | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !HEX.test(v)) throw new OmgInputError(`bad_${key}`);
  return Buffer.from(v, 'hex');
}

/** "0xFCD2" / "fcd2" / "0000fcd2-0000-1000-8000-00805f9b34fb" → "fcd2"; other 128-bit → 32 hex. */
export function normaliseUuid(raw: string): string | undefined {
  let u = raw.trim().toLowerCase();
  if (u.startsWith('0x')) u = u.slice(2);
  u = u.replace(/-/g, '');
  if (!/^[0-9a-f]+$/.test(u)) return undefined;
  if (u.length === 4) return u;
  if (u.length === 8) return u.startsWith('0000') ? u.slice(4) : u;
  if (u.length === 32) return u.startsWith('0000') && u.endsWith(BASE_UUID_TAIL) ? u.slice(4, 8) : u;
  return undefined;
}

/** "AA:BB:CC:DD:EE:FF" (or without separators) → "aabbccddeeff"; anything else → "". */
function normaliseMac(id: unknown): string {
  if (typeof id !== 'string') return '';
  const m = id.replace(/[:\-]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(m) ? m : '';
}

/**
 * Builds an Advert from one OpenMQTTGateway-shaped object. Throws OmgInputError on fields that
 * are present but unusable (non-hex data, unparseable UUID). Without `servicedatauuid`, data that
 * starts with a known 16-bit UUID (little-endian, as on air) is split into UUID and data.
 */
export function advertFromOmg(obj: unknown): Advert {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new OmgInputError('not_an_object');
  const o = obj as Record<string, unknown>;
  const advert: Advert = {
    mac: normaliseMac(o.id),
    rssi: typeof o.rssi === 'number' && Number.isFinite(o.rssi) ? o.rssi : 0,
    serviceData: [],
  };
  if (typeof o.name === 'string') advert.localName = o.name;
  const mfg = hexField(o, 'manufacturerdata');
  if (mfg) advert.manufacturerData = mfg;
  const sd = hexField(o, 'servicedata');
  if (sd) {
    const rawUuid = o.servicedatauuid;
    if (typeof rawUuid === 'string' && rawUuid !== '') {
      const uuid = normaliseUuid(rawUuid);
      if (!uuid) throw new OmgInputError('bad_servicedatauuid');
      advert.serviceData.push({ uuid, data: sd });
    } else if (sd.length >= 2) {
      const guess = sd.toString('hex', 1, 2) + sd.toString('hex', 0, 1);
      if (KNOWN_SERVICE_UUIDS.has(guess)) advert.serviceData.push({ uuid: guess, data: sd.subarray(2) });
    }
  }
  return advert;
}

/**
 * Decodes one input line to one output line (no newline). Never throws: bad input gives
 * `{"id","error"}`; a recognised but refused advert gives `{"id","fmt","error"}`.
 * `keys` maps a MAC (12 lowercase hex digits) to its 16-byte bindkey.
 */
export function decodeBleLine(line: string, keys?: Map<string, Buffer>): string {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return JSON.stringify({ id: null, error: 'bad_json' });
  }
  const id = typeof obj === 'object' && obj !== null && 'id' in obj ? (obj as { id: unknown }).id ?? null : null;
  try {
    const advert = advertFromOmg(obj);
    const model = (obj as { model?: unknown }).model;
    const ctx = { bindkey: advert.mac ? keys?.get(advert.mac) : undefined, ...(typeof model === 'string' ? { model: model.toLowerCase() } : {}) };
    const r = decodeAdvert(advert, ctx);
    if (!r) return JSON.stringify({ id, error: 'unknown_format' });
    if (isFailure(r)) return JSON.stringify({ id, fmt: r.fmt, error: r.error });
    return JSON.stringify({ id, fmt: r.fmt, fields: r.fields });
  } catch (e) {
    return JSON.stringify({ id, error: e instanceof OmgInputError ? e.message : 'internal_error' });
  }
}
