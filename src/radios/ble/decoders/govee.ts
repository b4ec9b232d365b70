import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, probeField, round } from './common';

// Govee thermometers (layouts as described by the Theengs decoder H5xxx definitions, GoveeWatcher
// and the govee-ble parser notes). Manufacturer data; the company id tells the family, the local
// name (`GVH5075_1A2B`, `Govee_H5179_xxxx`, `B5178...`) the model, the length the rest:
//   packed reading, u24 BE: bit 23 = below zero; v = rest; temp = floor(v / 1000) / 10 °C,
//     humidity = (v % 1000) / 10 % (temperature × 10 000 + humidity × 10 in one number)
//   battery byte: bits 0-6 %, bit 7 = sensor error flag
//   0xec88  6: 00 | packed | battery | 00                  H5072, H5075 (H5075 may append an iBeacon)
//   0xec88  7: 00 | temp i16 LE ×0.01 | hum u16 LE ×0.01 | battery | xx          H5074
//   0xec88  9: same as 7 plus two bytes                                           H5051, H5052, H5071
//   0x0001  6 or 8: 01 01 | packed | battery [| 2 bytes]  H5100-H5105, H5108, H5110, H5174, H5177
//   0x0001  8 (H5140): 01 01 | packed | co2 u16 BE ppm | status (non-zero = sensor error)
//   0x0001  6 (H5106): 01 01 | u32 BE: temp = floor(v / 1e6) / 10, hum = floor(v % 1e6 / 1000) / 10, pm2.5 = v % 1000
//   0x0001  8 (H5112): 01 01 | packed | battery | x | probe (0x41 probe 1, 0x82 probe 2)
//   0x0001  9 (H5178): 01 01 | sensor (0 main, 1 remote) | packed | battery | x x
//   0x8801  9: x x x x | temp i16 LE ×0.01 | hum u16 LE ×0.01 | battery              H5179
//   meat thermometers (company id per model, name required): probe temperatures i16 BE ×0.01 at
//     8 (and 12, or 10 for H5198); negative = no probe; H5184/H5198: byte 6 = 1 means probes 3-4;
//     H5191: ambient temperature at 12.
//   H5055 (name required, no fixed company id): battery at 4, probe pair selected by bits 6-7 of
//     byte 5 (Theengs reads bits 3 and 2 of that byte's high hex digit), probe temperatures
//     u16 LE °C at 7 and 14 (0xffff = no probe). Passive adverts have no name and a varying first
//     word where a company id would be: 22 bytes, a marker 0x06/0x20/0x22 before each probe
//     (bytes 6 and 13) and 00 00 at the end identify it.
// Repeated probes and the remote sensor of a two-sensor model use the contract's suffixes.

const FMT = 'govee';
const EC88 = 0xec88;
const G0001 = 0x0001;
const G8801 = 0x8801;
/** Meat thermometers: company id → model, probe offsets, and the byte saying which probe pair. */
interface Meat { model: string; probes: readonly number[]; pairAt?: number; ambientAt?: number }
const H5181: Meat = { model: 'H5181', probes: [8] };
const H5183: Meat = { model: 'H5183', probes: [8] };
const H5185: Meat = { model: 'H5185', probes: [8, 12] };
const MEAT: Record<number, Meat> = {
  0xf861: H5181, 0x388a: H5181, 0xea42: H5181, 0xaaa2: H5181, 0xd14b: H5181,
  0x2730: { model: 'H5182', probes: [8, 12] },
  0x67dd: H5183, 0xe02f: H5183, 0xf79f: H5183,
  0x1b36: { model: 'H5184', probes: [8, 12], pairAt: 6 },
  0x4a32: H5185, 0x0332: H5185, 0x4c32: H5185,
  0xac63: { model: 'H5191', probes: [8], ambientAt: 12 },
  0x3022: { model: 'H5198', probes: [8, 10], pairAt: 6 },
};
// `GVH5075_1A2B`, `Govee_H5179_xxxx`, `B5178...`, and `GV5108…` / `GV5179_…` (no H) on newer firmware
const MODEL_IN_NAME = /(?:[HB]|GV)(5\d{3})/;

/** The Govee model named in the local name (`H5075`), if any. */
function modelOf(advert: Advert): string | undefined {
  const n = advert.localName;
  if (n === undefined) return undefined;
  const m = MODEL_IN_NAME.exec(n);
  return m ? `H${m[1]}` : undefined;
}

function packed(b: Buffer, at: number, f: Fields, suffix = ''): void {
  const raw = b.readUIntBE(at, 3);
  const v = raw & 0x7fffff;
  const t = Math.floor(v / 1000) / 10;
  f[`temperature${suffix}`] = raw & 0x800000 ? -t : t;
  f[`humidity${suffix}`] = (v % 1000) / 10;
}

function centi(b: Buffer, at: number, f: Fields): void {
  f.temperature = b.readInt16LE(at) / 100;
  f.humidity = b.readUInt16LE(at + 2) / 100;
}

function battery(b: Buffer, at: number, f: Fields, suffix = ''): void {
  const v = b[at] & 0x7f;
  if (v <= 100) f[`battery${suffix}`] = v;
}

const IBEACON_HEAD = Buffer.from([0x4c, 0x00, 0x02, 0x15]);

/** Strips what other radios glue to Govee's data: an iBeacon frame, the INTELLI_ROCKS tag. */
function trim(b: Buffer): Buffer {
  if (b.length > 25 && b.includes('INTELLI_ROCKS')) b = b.subarray(0, b.length - 25);
  // The iBeacon starts right after the model's own bytes (6, 7, 8 or 9 of them); no Govee body is shorter.
  const at = b.length > 9 ? b.indexOf(IBEACON_HEAD, 6) : -1;
  return at >= 6 ? b.subarray(0, at) : b;
}

function ec88(b: Buffer, model: string | undefined, f: Fields): boolean {
  // Without a model name, 7 and 9 bytes are H5074 / H5051's; anything else is the H5072/H5075
  // layout, the family's commonest, with whatever later firmware appends after it.
  const len = model === 'H5072' || model === 'H5075' ? 6 : model === 'H5074' ? 7
    : model === 'H5051' || model === 'H5052' || model === 'H5071' ? 9 : b.length === 7 || b.length === 9 ? b.length : 6;
  if (b.length < len) return false;
  if (len === 6) {
    packed(b, 1, f);
    battery(b, 4, f);
  } else if (len === 7 || len === 9) {
    centi(b, 1, f);
    battery(b, 5, f);
  } else return false;
  return true;
}

function g0001(b: Buffer, model: string | undefined, f: Fields): boolean {
  if (model === 'H5106') {
    if (b.length < 6) return false;
    const v = b.readUInt32BE(2) & 0x7fffffff;
    const t = Math.floor(v / 1000000) / 10;
    f.temperature = b[2] & 0x80 ? -t : t;
    f.humidity = Math.floor((v % 1000000) / 1000) / 10;
    f.pm25 = v % 1000;
    return true;
  }
  if (model === 'H5140') {
    if (b.length < 8) return false;
    packed(b, 2, f);
    if (b[7] !== 0) return false; // the sensor flags an error: its numbers are not a reading
    f.co2 = b.readUInt16BE(5);
    return true;
  }
  // Nameless 8-byte body: the H51xx layout; a probe byte 0x41 / 0x82 at the end is H5112's.
  if ((model === 'H5112' || (model === undefined && b[7] === 0x82)) && b.length >= 8) {
    const suffix = b[7] === 0x82 ? '_2' : '';
    packed(b, 2, f, suffix);
    battery(b, 5, f);
    return true;
  }
  if (model === 'H5178' || (model === undefined && b.length === 9)) {
    if (b.length < 9) return false;
    const suffix = b[2] === 1 ? '_2' : '';
    packed(b, 3, f, suffix);
    battery(b, 6, f, suffix);
    return true;
  }
  if (b.length !== 6 && b.length !== 8) return false;
  packed(b, 2, f);
  battery(b, 5, f);
  return true;
}

function probes(b: Buffer, meat: Meat, f: Fields): boolean {
  const first = meat.pairAt !== undefined && b.length > meat.pairAt && b[meat.pairAt] === 1 ? 3 : 1; // pair 1: probes 3 and 4
  for (let i = 0; i < meat.probes.length; i++) {
    if (b.length < meat.probes[i] + 2) return false;
    const v = b.readInt16BE(meat.probes[i]);
    if (v >= 0) f[probeField(first + i)] = v / 100; // negative: no probe in the socket
  }
  if (meat.ambientAt !== undefined && b.length >= meat.ambientAt + 2) {
    const v = b.readInt16BE(meat.ambientAt);
    if (v >= 0) f.ambient_temperature = v / 100;
  }
  return true;
}

const H5055_MARKS = new Set([0x06, 0x20, 0x22]);

/** A nameless H5055 advert, told by its shape (see the layout notes). */
function isH5055Shape(m: Buffer | undefined): boolean {
  return m !== undefined && m.length === 22 && H5055_MARKS.has(m[6]) && H5055_MARKS.has(m[13]) && m[20] === 0 && m[21] === 0;
}

function h5055(b: Buffer, f: Fields): boolean {
  if (b.length < 16) return false;
  const pair = (b[5] >> 6) & 0x03; // 0: probes 1+2, 1: 3+4, 2: 5+6
  if (pair === 3) return false; // there is no fourth pair: the sensor flags an error (govee-ble's 0xfb capture)
  const first = pair * 2 + 1;
  f.battery = b[4];
  const p1 = b.readUInt16LE(7), p2 = b.readUInt16LE(14);
  if (p1 !== 0xffff) f[probeField(first)] = p1;
  if (p2 !== 0xffff) f[probeField(first + 1)] = p2;
  return true;
}

function decodeGovee(advert: Advert): DecodeResult {
  const m = advert.manufacturerData;
  if (!m || m.length < 3) return fail(FMT, 'malformed');
  const model = modelOf(advert);
  const f: Fields = {};
  let ok = false;
  if (model === 'H5055' || (model === undefined && isH5055Shape(m))) ok = h5055(m, f);
  else {
    const company = companyId(advert);
    const b = trim(m.subarray(2));
    if (company === EC88) ok = ec88(b, model, f);
    else if (company === G8801) {
      if (b.length >= 9) {
        centi(b, 4, f);
        battery(b, 8, f);
        ok = true;
      }
    } else if (company === G0001) ok = g0001(b, model, f);
    else if (MEAT[company]) ok = probes(b, MEAT[company], f);
  }
  if (!ok) return fail(FMT, 'malformed');
  for (const k of Object.keys(f)) if (typeof f[k] === 'number') f[k] = round(f[k] as number, 2);
  return { fmt: FMT, fields: f, payload: m };
}

/** Govee thermo-hygrometers (H5051-H5179 families), H5106 air monitor, meat thermometers. */
export const GoveeDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [EC88, G0001, G8801, ...Object.keys(MEAT).map(Number)],
  namePrefixes: ['GVH5055', 'Govee_H5055'],
  unkeyedManufacturer: true, // the nameless H5055
  matches: (advert) => {
    const company = companyId(advert);
    const model = modelOf(advert);
    if (model === 'H5055') return (advert.manufacturerData?.length ?? 0) >= 16;
    if (model === undefined && isH5055Shape(advert.manufacturerData)) return true;
    if (company === EC88 || company === G8801) return true;
    const n = (advert.manufacturerData?.length ?? 0) - 2;
    if (company === G0001) return model !== undefined ? model.startsWith('H51') : n === 6 || n === 8 || n === 9;
    return MEAT[company] !== undefined && model === MEAT[company].model;
  },
  decode: (advert) => guarded(FMT, () => decodeGovee(advert)),
};
