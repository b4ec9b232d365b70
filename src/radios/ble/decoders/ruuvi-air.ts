import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, round } from './common';
import { readRuuviClimate } from './ruuvi5';

// Ruuvi Air data formats (docs.ruuvi.com, dataformats 6 and E1), manufacturer data, company
// 0x0499, big-endian; every field has a "not available" value, such fields are left out.
//   6 (20 bytes): 0x06 | temp i16 ×0.005 °C | hum u16 ×0.0025 % | pressure u16 +50000 Pa |
//     pm2.5 u16 ×0.1 | co2 u16 ppm | VOC index bits 8-1 | NOx index bits 8-1 |
//     luminosity, logarithmic code (lux = e^(code·ln(65536)/254) − 1; 255 = n/a) | reserved |
//     sequence u8 | flags (bit 6 VOC bit 0, bit 7 NOx bit 0) | MAC (3)
//   E1 (40 bytes): 0xe1 | temp | hum | pressure | pm1.0, pm2.5, pm4.0, pm10 u16 ×0.1 | co2 |
//     VOC bits 8-1 | NOx bits 8-1 | luminosity u24 ×0.01 lx | reserved (3) | sequence u24 |
//     flags (bit 6 VOC bit 0, bit 7 NOx bit 0) | reserved (5) | MAC (6)

const COMPANY = 0x0499;
const LUX_STEP = Math.log(65536) / 254;

function u16(b: Buffer, at: number, f: Fields, name: string, scale: number): void {
  const v = b.readUInt16BE(at);
  if (v !== 0xffff) f[name] = round(v * scale, 1);
}

function index9(hi: number, lsb: boolean, f: Fields, name: string): void {
  const v = (hi << 1) | (lsb ? 1 : 0);
  if (v !== 511) f[name] = v;
}

function decode6(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length < 2 + 20) return fail('ruuvi6', 'malformed');
  const b = m.subarray(2);
  const f: Fields = {};
  readRuuviClimate(b, f);
  u16(b, 7, f, 'pm25', 0.1);
  u16(b, 9, f, 'co2', 1);
  index9(b[11], (b[16] & 0x40) !== 0, f, 'voc');
  index9(b[12], (b[16] & 0x80) !== 0, f, 'nox');
  if (b[13] !== 0xff) f.illuminance = round(Math.exp(b[13] * LUX_STEP) - 1, 2);
  f.measurement_seq = b[15];
  return { fmt: 'ruuvi6', fields: f, counter: b[15], payload: m };
}

function decodeE1(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length < 2 + 40) return fail('ruuvie1', 'malformed');
  const b = m.subarray(2);
  const f: Fields = {};
  readRuuviClimate(b, f);
  u16(b, 7, f, 'pm1', 0.1);
  u16(b, 9, f, 'pm25', 0.1);
  u16(b, 11, f, 'pm4', 0.1);
  u16(b, 13, f, 'pm10', 0.1);
  u16(b, 15, f, 'co2', 1);
  index9(b[17], (b[28] & 0x40) !== 0, f, 'voc');
  index9(b[18], (b[28] & 0x80) !== 0, f, 'nox');
  const lux = b.readUIntBE(19, 3);
  if (lux !== 0xffffff) f.illuminance = round(lux * 0.01, 2);
  const seq = b.readUIntBE(25, 3);
  const r: DecodeResult = { fmt: 'ruuvie1', fields: f, payload: m };
  if (seq !== 0xffffff) {
    f.measurement_seq = seq;
    r.counter = seq;
  }
  return r;
}

function formatIs(advert: Advert, format: number): boolean {
  return companyId(advert) === COMPANY && advert.manufacturerData!.length > 2 && advert.manufacturerData![2] === format;
}

/** Ruuvi data format 6 (Ruuvi Air, Bluetooth 4 advertising). */
export const Ruuvi6Decoder: KeyedDecoder = {
  fmt: 'ruuvi6',
  companyIds: [COMPANY],
  matches: (advert) => formatIs(advert, 0x06),
  decode: (advert) => guarded('ruuvi6', () => decode6(advert)),
};

/** Ruuvi data format E1 (Ruuvi Air, extended advertising). */
export const RuuviE1Decoder: KeyedDecoder = {
  fmt: 'ruuvie1',
  companyIds: [COMPANY],
  matches: (advert) => formatIs(advert, 0xe1),
  decode: (advert) => guarded('ruuvie1', () => decodeE1(advert)),
};
