import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, round } from './common';

// Ruuvi data format 5 "RAWv2" (docs.ruuvi.com, dataformats/dataformat-rawv2): manufacturer data,
// company 0x0499, then 24 bytes big-endian: 0x05 | temp i16 ×0.005 °C | hum u16 ×0.0025 % |
// pressure u16 +50000 Pa | acc x,y,z i16 mg | power u16 (11 bits mV+1600, 5 bits tx 2 dBm steps −40) |
// movement u8 | sequence u16 | MAC(6). Each field has a "not available" value; those are omitted.

const FMT = 'ruuvi5';
const COMPANY = 0x0499;

/**
 * Temperature, humidity and pressure at bytes 1-6 (after the format byte), the layout Ruuvi's
 * formats 5, 6 and E1 share; "not available" values are left out.
 */
export function readRuuviClimate(b: Buffer, f: Fields): void {
  const t = b.readInt16BE(1);
  if (t !== -0x8000) f.temperature = round(t * 0.005, 3);
  const h = b.readUInt16BE(3);
  if (h !== 0xffff) f.humidity = round(h * 0.0025, 4);
  const p = b.readUInt16BE(5);
  if (p !== 0xffff) f.pressure = (p + 50000) / 100;
}

function decodeRuuvi5(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  // 2 company bytes + 18 measurement bytes; the trailing MAC is not needed
  if (m.length < 2 + 18) return fail(FMT, 'malformed');
  const b = m.subarray(2);
  const f: Fields = {};
  readRuuviClimate(b, f);
  const ax = b.readInt16BE(7), ay = b.readInt16BE(9), az = b.readInt16BE(11);
  if (ax !== -0x8000) f.acceleration_x = ax / 1000;
  if (ay !== -0x8000) f.acceleration_y = ay / 1000;
  if (az !== -0x8000) f.acceleration_z = az / 1000;
  const power = b.readUInt16BE(13);
  const mv = power >> 5, tx = power & 0x1f;
  if (mv !== 0x7ff) f.voltage = (mv + 1600) / 1000;
  if (tx !== 0x1f) f.tx_power = tx * 2 - 40;
  if (b[15] !== 0xff) f.movement_count = b[15];
  const seq = b.readUInt16BE(16);
  const r: DecodeResult = { fmt: FMT, fields: f, payload: m };
  if (seq !== 0xffff) {
    f.measurement_seq = seq;
    r.counter = seq;
  }
  return r;
}

/** RuuviTag data format 5 (RAWv2). */
export const Ruuvi5Decoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && advert.manufacturerData!.length > 2 && advert.manufacturerData![2] === 5,
  decode: (advert) => guarded(FMT, () => decodeRuuvi5(advert)),
};
