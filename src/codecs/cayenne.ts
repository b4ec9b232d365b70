import type { FieldValue } from '../core/reading';
import type { CodecResult, PayloadCodec } from './codec';

type Read = (b: Buffer, o: number) => number;
const u8: Read = (b, o) => b.readUInt8(o);
const u16: Read = (b, o) => b.readUInt16BE(o);
const s16: Read = (b, o) => b.readInt16BE(o);
const u32: Read = (b, o) => b.readUInt32BE(o);
const s24: Read = (b, o) => b.readIntBE(o, 3);

/** One LPP data type: its size and how it becomes named fields (the channel is appended). */
interface LppType {
  size: number;
  fields: Array<{ name: string; at: number; read: Read; div?: number; bool?: boolean }>;
}

const one = (name: string, size: number, read: Read, div?: number): LppType => ({ size, fields: [{ name, at: 0, read, div }] });
const xyz = (prefix: string, read: Read, div: number): LppType => ({
  size: 6,
  fields: ['x', 'y', 'z'].map((a, i) => ({ name: `${prefix}_${a}`, at: i * 2, read, div })),
});

/**
 * Cayenne LPP types by id: the myDevices reference set plus the common extensions
 * (ElectronicCats CayenneLPP). Units follow the wire spec (hPa, Cel, %RH, g, deg, m).
 */
const TYPES: Record<number, LppType> = {
  0: { size: 1, fields: [{ name: 'digital_in', at: 0, read: u8 }] },
  1: { size: 1, fields: [{ name: 'digital_out', at: 0, read: u8 }] },
  2: one('analog_in', 2, s16, 100),
  3: one('analog_out', 2, s16, 100),
  100: one('generic', 4, u32),
  101: one('illuminance', 2, u16),
  102: one('presence', 1, u8),
  103: one('temperature', 2, s16, 10),
  104: one('humidity', 1, u8, 2),
  113: xyz('acceleration', s16, 1000),
  115: one('pressure', 2, u16, 10),
  116: one('voltage', 2, u16, 100),
  117: one('current', 2, u16, 1000),
  118: one('frequency', 4, u32),
  120: one('percentage', 1, u8),
  121: one('altitude', 2, s16),
  125: one('concentration', 2, u16),
  128: one('power', 2, u16),
  130: one('distance', 4, u32, 1000),
  131: one('energy', 4, u32, 1000),
  132: one('direction', 2, u16),
  133: one('time', 4, u32),
  134: xyz('gyro', s16, 100),
  135: {
    size: 3,
    fields: [
      { name: 'color_r', at: 0, read: u8 },
      { name: 'color_g', at: 1, read: u8 },
      { name: 'color_b', at: 2, read: u8 },
    ],
  },
  136: {
    size: 9,
    fields: [
      { name: 'latitude', at: 0, read: s24, div: 10_000 },
      { name: 'longitude', at: 3, read: s24, div: 10_000 },
      { name: 'altitude', at: 6, read: s24, div: 100 },
    ],
  },
  142: { size: 1, fields: [{ name: 'switch', at: 0, read: u8, bool: true }] },
};

/** Decodes a Cayenne LPP payload (channel, type, value)*; truncated or unknown types give an error. */
export function decodeCayenne(bytes: Buffer): CodecResult {
  const fields: Record<string, FieldValue> = {};
  let o = 0;
  while (o < bytes.length) {
    if (o + 2 > bytes.length) return { error: `cayenne: truncated header at offset ${o}` };
    const channel = bytes[o];
    const typeId = bytes[o + 1];
    const t = TYPES[typeId];
    if (!t) return { error: `cayenne: unknown type ${typeId} (channel ${channel}) at offset ${o}` };
    const start = o + 2;
    if (start + t.size > bytes.length) return { error: `cayenne: type ${typeId} (channel ${channel}) truncated at offset ${o}` };
    for (const f of t.fields) {
      const v = f.read(bytes, start + f.at);
      // Dividing by an integer power of ten gives the shortest decimal (272/10 = 27.2, not 27.200000000000003).
      fields[`${f.name}_${channel}`] = f.bool ? v !== 0 : f.div ? v / f.div : v;
    }
    o = start + t.size;
  }
  return { fields };
}

/** The Cayenne LPP codec (`codec: cayenne`); the FPort is not used. */
export const cayenneCodec: PayloadCodec = {
  name: 'cayenne',
  decode: (bytes) => decodeCayenne(bytes),
};
