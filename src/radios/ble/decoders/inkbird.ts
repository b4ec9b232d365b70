import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, macBytes, probeField, round } from './common';

// Inkbird (Theengs decoder IBS_TH1 / IBS_TH2 / IBS_THBP01B / IBT_2X / IBT_4XS / IBT_6XS definitions):
//   IBS-TH1 / IBS-TH2 / IBS-P01B: local name `sps` (TH1, with an external probe socket) or `tps`
//     (TH2); 9 bytes of manufacturer data WITHOUT a company id:
//     temp i16 LE ×0.01 °C | humidity u16 LE ×0.01 % (0 or 0xffff: none) | probe (low nibble set:
//     external probe connected, `sps`) | crc16(2) | battery % (0xe0 and above: none) | x
//   iBBQ grill thermometers (IBT-2X(S) 2 probes, IBT-4X(S/C) 4, IBT-6XS / Tenergy SOLIS-6 6):
//     company id 0x0000 | 00 00 | MAC(6) | probes i16 LE ×0.1 °C (high byte 0xff: no probe).
//     Recognised by the name `iBBQ` / `xBBQ`, or without it by the MAC inside the data.
//   18-byte sensors (IBS-P02B, ITH-11-B, ITH-13-B, ITH-21-B; recognised by name), manufacturer
//     data read from its first byte: temp i16 LE ×0.1 °C at 6 | humidity u16 LE ×0.1 % at 8
//     (0: none) | battery % at 10.
//   IAM-T2 (company 0x3254, 17 bytes, MAC starting 00:62): status at 9 (bit 1: °F) |
//     temperature i16 BE ×0.1 at 10 | humidity u16 BE ×0.1 at 12 | co2 u16 BE at 14.

const FMT = 'inkbird';
const BBQ_LENGTHS = new Set([12, 14, 18, 22]); // with the company id: 1, 2, 4 or 6 probes
const BBQ_NAMES = ['iBBQ', 'xBBQ'];
const EIGHTEEN = ['IBS-P02B', 'ITH-11-B', 'ITH-13-B', 'ITH-21-B'];
const EIGHTEEN_NAMES = [...EIGHTEEN, ...EIGHTEEN.map((n) => n.toLowerCase())];
const IAM_T2 = 0x3254;

function decodeTh(advert: Advert, m: Buffer): DecodeResult {
  if (m.length !== 9) return fail(FMT, 'malformed');
  const fields: Fields = { temperature: m.readInt16LE(0) / 100 };
  const h = m.readUInt16LE(2);
  if (h !== 0 && h !== 0xffff) fields.humidity = h / 100;
  if (advert.localName === 'sps') fields.external_probe = (m[4] & 0x0f) !== 0;
  if (m[7] < 0xe0) fields.battery = m[7];
  return { fmt: FMT, fields, payload: m };
}

function decodeBbq(m: Buffer): DecodeResult {
  const fields: Fields = {};
  for (let at = 10, probe = 1; at + 2 <= m.length; at += 2, probe++) {
    if (m[at + 1] === 0xff) continue; // the suffix is the probe's socket, so a gap keeps positions
    fields[probeField(probe)] = m.readInt16LE(at) / 10;
  }
  return { fmt: FMT, fields, payload: m };
}

function decode18(m: Buffer): DecodeResult {
  const fields: Fields = { temperature: m.readInt16LE(6) / 10 };
  const h = m.readUInt16LE(8);
  if (h !== 0 && h <= 1000) fields.humidity = h / 10;
  if (m[10] <= 100) fields.battery = m[10];
  return { fmt: FMT, fields, payload: m };
}

function decodeIamT2(m: Buffer): DecodeResult {
  const raw = m.readInt16BE(10) / 10;
  const fields: Fields = { temperature: round(m[9] & 0x02 ? ((raw - 32) * 5) / 9 : raw, 2) };
  const h = m.readUInt16BE(12) / 10;
  if (h <= 100) fields.humidity = h;
  fields.co2 = m.readUInt16BE(14);
  return { fmt: FMT, fields, payload: m };
}

function isIamT2(advert: Advert): boolean {
  const m = advert.manufacturerData;
  return m !== undefined && m.length === 17 && companyId(advert) === IAM_T2 && m[2] === 0x00 && m[3] === 0x62;
}

function isBbq(advert: Advert): boolean {
  const m = advert.manufacturerData;
  if (!m || !BBQ_LENGTHS.has(m.length) || companyId(advert) !== 0 || m[2] !== 0 || m[3] !== 0) return false;
  if (advert.localName !== undefined && BBQ_NAMES.includes(advert.localName)) return true;
  const mac = macBytes(advert.mac);
  return mac !== undefined && mac.equals(m.subarray(4, 10));
}

function decodeInkbird(advert: Advert): DecodeResult {
  const m = advert.manufacturerData;
  if (!m) return fail(FMT, 'malformed');
  const name = advert.localName;
  if (name === 'sps' || name === 'tps') return decodeTh(advert, m);
  if (name !== undefined && EIGHTEEN_NAMES.includes(name)) return m.length === 18 ? decode18(m) : fail(FMT, 'malformed');
  return isIamT2(advert) ? decodeIamT2(m) : decodeBbq(m);
}

/** Inkbird IBS-TH1 / IBS-TH2 / IBS-P01B, 18-byte sensors, IAM-T2, iBBQ grill thermometers (IBT-2X/4X/6XS). */
export const InkbirdDecoder: KeyedDecoder = {
  fmt: FMT,
  localNames: ['sps', 'tps', ...BBQ_NAMES, ...EIGHTEEN_NAMES],
  companyIds: [0x0000, IAM_T2],
  matches: (advert) => {
    const name = advert.localName;
    if (name === 'sps' || name === 'tps') return advert.manufacturerData?.length === 9;
    if (name !== undefined && EIGHTEEN_NAMES.includes(name)) return advert.manufacturerData?.length === 18;
    return isBbq(advert) || isIamT2(advert);
  },
  decode: (advert) => guarded(FMT, () => decodeInkbird(advert)),
};
