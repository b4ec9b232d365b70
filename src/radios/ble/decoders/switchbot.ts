import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, firstServiceData, guarded } from './common';

// SwitchBot thermo-hygrometers (OpenWonderLabs "SwitchBotAPI-BLE" Meter broadcast message):
//   Meter 'T' (0x54) / Meter Plus 'i' (0x69): service data 0x0d00 (old) or 0xfd3d (new), 6 bytes:
//     type | status | battery (bits 0-6) | temp decimal (bits 0-3) | temp integer (bits 0-6,
//     bit 7 set = above zero) | humidity (bits 0-6)
//   Outdoor Meter 'w' (0x77): service data carries type | status | battery only; the reading is in
//     manufacturer data (company 0x0969): MAC(6) | seq | x | temp decimal | temp integer+sign | humidity
//     (offsets after the company id).

const FMT = 'switchbot';
const UUIDS = ['fd3d', '0d00'];
const COMPANY = 0x0969;
const METERS = new Set([0x54, 0x69, 0x77]);

function temp(dec: number, int: number): number {
  const t = (int & 0x7f) + (dec & 0x0f) / 10;
  return int & 0x80 ? t : -t;
}

function decodeSwitchbot(advert: Advert): DecodeResult {
  const sd = firstServiceData(advert, UUIDS);
  if (!sd || sd.data.length < 3) return fail(FMT, 'malformed');
  const b = sd.data;
  const type = b[0] & 0x7f;
  const battery = b[2] & 0x7f;
  if (type !== 0x77) {
    if (b.length < 6) return fail(FMT, 'malformed');
    return { fmt: FMT, fields: { temperature: temp(b[3], b[4]), humidity: b[5] & 0x7f, battery }, payload: b };
  }
  const m = advert.manufacturerData;
  if (!m || companyId(advert) !== COMPANY || m.length < 2 + 11) return { fmt: FMT, fields: { battery }, payload: b };
  return { fmt: FMT, fields: { temperature: temp(m[2 + 8], m[2 + 9]), humidity: m[2 + 10] & 0x7f, battery }, payload: m };
}

/** SwitchBot Meter / Meter Plus / Outdoor Meter. */
export const SwitchbotDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: UUIDS,
  companyIds: [COMPANY],
  matches: (advert) => {
    const sd = firstServiceData(advert, UUIDS);
    return sd !== undefined && sd.data.length >= 1 && METERS.has(sd.data[0] & 0x7f);
  },
  decode: (advert) => guarded(FMT, () => decodeSwitchbot(advert)),
};
