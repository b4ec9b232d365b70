import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, round } from './common';

// iNode Energy Meter (iNode's "iNode Energy Meter" advertising frame, as the Theengs INEM
// definition reads it): manufacturer data, 13 bytes; the "company id" is the frame type
// 0x8290 / 0x8292 / 0x8294 / 0x8296 (bit 2 of the first byte = low battery):
//   average u16 LE (pulses per minute) | total u32 LE (pulses) | constant u16 LE: bits 0-13 pulses
//   per unit, bit 4 of its high byte set = water/gas meter (m³),
//   clear = electricity (kWh) | byte 10 high nibble: battery level 2-11 → (n − 1) × 10 %, 1 or ≥ 12 = 100 %.
// Electricity gives power [W] and energy [kWh]; a water/gas meter gives flow_rate [m³/h] and volume [L].

const FMT = 'inode';
const IDS = [0x8290, 0x8292, 0x8294, 0x8296];

function decodeInode(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length !== 13) return fail(FMT, 'malformed');
  const constant = m.readUInt16LE(10 - 2) & 0x3fff;
  if (constant === 0) return fail(FMT, 'malformed');
  const perHour = (m.readUInt16LE(2) * 60) / constant;
  const total = m.readUInt32LE(4) / constant;
  const f: Fields = {};
  if ((m[9] & 0x10) === 0) {
    f.power = round(perHour * 1000, 1);
    f.energy = round(total, 4);
  } else {
    f.flow_rate = round(perHour, 6);
    f.volume = round(total * 1000, 3);
  }
  const level = m[10] >> 4;
  f.battery = level === 1 || level >= 12 ? 100 : Math.max(0, (level - 1) * 10);
  f.battery_low = (m[0] & 0x04) !== 0;
  return { fmt: FMT, fields: f, payload: m };
}

/** iNode Energy Meter (electricity, water and gas pulse counters). */
export const InodeDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: IDS,
  matches: (advert) => IDS.includes(companyId(advert)) && advert.manufacturerData!.length === 13,
  decode: (advert) => guarded(FMT, () => decodeInode(advert)),
};
