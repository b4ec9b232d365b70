import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, macBytes, probeField } from './common';

// Inkbird (Theengs decoder IBS_TH1 / IBS_TH2 / IBS_THBP01B / IBT_2X / IBT_4XS / IBT_6XS definitions):
//   IBS-TH1 / IBS-TH2 / IBS-P01B: local name `sps` (TH1, with an external probe socket) or `tps`
//     (TH2); 9 bytes of manufacturer data WITHOUT a company id:
//     temp i16 LE ×0.01 °C | humidity u16 LE ×0.01 % (0 or 0xffff: none) | probe (low nibble set:
//     external probe connected, `sps`) | crc16(2) | battery % (0xe0 and above: none) | x
//   iBBQ grill thermometers (IBT-2X(S) 2 probes, IBT-4X(S/C) 4, IBT-6XS / Tenergy SOLIS-6 6):
//     company id 0x0000 | 00 00 | MAC(6) | probes i16 LE ×0.1 °C (high byte 0xff: no probe).
//     Recognised by the name `iBBQ`, or without it by the MAC inside the data.

const FMT = 'inkbird';
const BBQ_LENGTHS = new Set([12, 14, 18, 22]); // with the company id: 1, 2, 4 or 6 probes

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

function isBbq(advert: Advert): boolean {
  const m = advert.manufacturerData;
  if (!m || !BBQ_LENGTHS.has(m.length) || companyId(advert) !== 0 || m[2] !== 0 || m[3] !== 0) return false;
  if (advert.localName === 'iBBQ') return true;
  const mac = macBytes(advert.mac);
  return mac !== undefined && mac.equals(m.subarray(4, 10));
}

function decodeInkbird(advert: Advert): DecodeResult {
  const m = advert.manufacturerData;
  if (!m) return fail(FMT, 'malformed');
  return advert.localName === 'sps' || advert.localName === 'tps' ? decodeTh(advert, m) : decodeBbq(m);
}

/** Inkbird IBS-TH1 / IBS-TH2 / IBS-P01B and the iBBQ grill thermometers (IBT-2X/4X/6XS). */
export const InkbirdDecoder: KeyedDecoder = {
  fmt: FMT,
  localNames: ['sps', 'tps', 'iBBQ'],
  companyIds: [0x0000],
  matches: (advert) => {
    if (advert.localName === 'sps' || advert.localName === 'tps') return advert.manufacturerData?.length === 9;
    return isBbq(advert);
  },
  decode: (advert) => guarded(FMT, () => decodeInkbird(advert)),
};
