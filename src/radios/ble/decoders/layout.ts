import type { Advert } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, putField, round, serviceData } from './common';

// A declarative description of fixed-offset formats: one row per field says where its bytes are
// and how they become the value. Formats whose meaning depends on earlier bytes (TLV walks,
// packed bit fields, per-model branches) stay code; everything that is "bytes at offset N,
// scaled" is a table, so adding such a model is a table reviewed against the vendor's page.

/** How the bytes of one field are read. */
export type ByteType = 'u8' | 'i8' | 'u16le' | 'i16le' | 'u16be' | 'i16be' | 'u24le' | 'u24be' | 'u32le' | 'i32le' | 'f32le';

/** One field of a fixed layout: value = raw × scale + add, rounded to `digits`. */
export interface FieldRow {
  name: string;
  at: number;
  type: ByteType;
  scale?: number;
  add?: number;
  /** Decimals kept (default: enough for the scale, 4 at most). */
  digits?: number;
  /** Accepted range after scaling; outside it the field is left out (a sensor's error code). */
  range?: readonly [number, number];
}

const SIZE: Record<ByteType, number> = {
  u8: 1, i8: 1, u16le: 2, i16le: 2, u16be: 2, i16be: 2, u24le: 3, u24be: 3, u32le: 4, i32le: 4, f32le: 4,
};

function read(b: Buffer, at: number, t: ByteType): number {
  switch (t) {
    case 'u8': return b[at];
    case 'i8': return b.readInt8(at);
    case 'u16le': return b.readUInt16LE(at);
    case 'i16le': return b.readInt16LE(at);
    case 'u16be': return b.readUInt16BE(at);
    case 'i16be': return b.readInt16BE(at);
    case 'u24le': return b.readUIntLE(at, 3);
    case 'u24be': return b.readUIntBE(at, 3);
    case 'u32le': return b.readUInt32LE(at);
    case 'i32le': return b.readInt32LE(at);
    case 'f32le': return b.readFloatLE(at);
  }
}

function defaultDigits(scale: number): number {
  let d = 0;
  for (let s = scale; d < 4 && Math.abs(s - Math.round(s)) > 1e-9; s *= 10) d++;
  return d;
}

/** Reads every row of `rows` from `b` (starting at `base`) into `fields`; rows past the end are skipped. */
export function readLayout(b: Buffer, base: number, rows: readonly FieldRow[], fields: Fields = {}): Fields {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const at = base + r.at;
    if (at < 0 || at + SIZE[r.type] > b.length) continue;
    const raw = read(b, at, r.type);
    const scale = r.scale ?? 1;
    const v = round(raw * scale + (r.add ?? 0), r.digits ?? defaultDigits(scale));
    if (!Number.isFinite(v)) continue;
    if (r.range && (v < r.range[0] || v > r.range[1])) continue;
    putField(fields, r.name, v);
  }
  return fields;
}

/** A whole format that is one fixed table: where its bytes are, how long, which rows. */
export interface TableFormat {
  fmt: string;
  /** Service-data UUID carrying the bytes (else manufacturer data of `companyId`). */
  serviceUuid?: string;
  /** Company id; the rows' offsets count from the byte after it. */
  companyId?: number;
  /** Accepted payload lengths (after the company id for manufacturer data). */
  lengths: readonly number[];
  rows: readonly FieldRow[];
}

/** The payload a table format reads (service data or manufacturer data after the company id). */
function tablePayload(t: TableFormat, advert: Advert): Buffer | undefined {
  if (t.serviceUuid !== undefined) return serviceData(advert, t.serviceUuid);
  const m = advert.manufacturerData;
  if (!m || m.length < 2 || (m[0] | (m[1] << 8)) !== t.companyId) return undefined;
  return m.subarray(2);
}

/** A decoder made of one table: adding such a model is this call plus its vectors. */
export function tableDecoder(t: TableFormat): KeyedDecoder {
  return {
    fmt: t.fmt,
    ...(t.serviceUuid !== undefined ? { serviceUuids: [t.serviceUuid] } : {}),
    ...(t.companyId !== undefined ? { companyIds: [t.companyId] } : {}),
    matches: (advert) => {
      const b = tablePayload(t, advert);
      return b !== undefined && t.lengths.includes(b.length);
    },
    decode: (advert) => guarded(t.fmt, () => {
      const b = tablePayload(t, advert);
      if (!b || !t.lengths.includes(b.length)) return fail(t.fmt, 'malformed');
      return { fmt: t.fmt, fields: readLayout(b, 0, t.rows), payload: advert.manufacturerData && t.serviceUuid === undefined ? advert.manufacturerData : b };
    }),
  };
}
