import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, firstServiceData, guarded, round } from './common';

// Xiaomi scales (Bluetooth SIG Weight Scale / Body Composition service data, as the Theengs
// XMTZC04HM / XMTZC05HM definitions and openScale's Mi Scale notes describe them):
//   XMTZC04HM (Mi Smart Scale), service data 0x181d, 10 bytes:
//     control: bit 0 lb, bit 4 catty (jin), bit 5 stabilised, bit 7 load removed |
//     weight u16 LE (kg: /200; lb and jin: /100) | date and time (7)
//   XMTZC05HM (Mi Body Composition Scale 2), service data 0x181b, 13 bytes:
//     control u8 (bit 0 lb, bit 2 jin) | control u8 (bit 1 impedance present, bit 5 stabilised,
//     bit 7 load removed) | date and time (7) | impedance u16 LE Ω | weight u16 LE
//     (kg: /200; lb and jin: /100).
// Weights are converted to kg (1 lb = 0.45359237 kg; 1 jin = 0.5 kg, so jin/100 = kg/200).

const FMT = 'miscale';
const UUIDS = ['181d', '181b'];
const LB = 0.45359237;

function kg(raw: number, lb: boolean): number {
  return round(lb ? (raw / 100) * LB : raw / 200, 2);
}

function decodeScale(advert: Advert): DecodeResult {
  const sd = firstServiceData(advert, UUIDS);
  if (!sd) return fail(FMT, 'malformed');
  const b = sd.data;
  const f: Fields = {};
  if (sd.uuid === '181d') {
    if (b.length < 3) return fail(FMT, 'malformed');
    f.weight = kg(b.readUInt16LE(1), (b[0] & 0x01) !== 0);
    f.stabilized = (b[0] & 0x20) !== 0;
    f.weight_removed = (b[0] & 0x80) !== 0;
  } else {
    if (b.length < 13) return fail(FMT, 'malformed');
    f.weight = kg(b.readUInt16LE(11), (b[0] & 0x01) !== 0);
    f.stabilized = (b[1] & 0x20) !== 0;
    f.weight_removed = (b[1] & 0x80) !== 0;
    if (b[1] & 0x02) f.impedance = b.readUInt16LE(9);
  }
  return { fmt: FMT, fields: f, payload: b };
}

/** Xiaomi Mi Smart Scale (XMTZC04HM) and Body Composition Scale 2 (XMTZC05HM). */
export const MiscaleDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: UUIDS,
  matches: (advert) => {
    const sd = firstServiceData(advert, UUIDS);
    return sd !== undefined && sd.data.length === (sd.uuid === '181d' ? 10 : 13);
  },
  decode: (advert) => guarded(FMT, () => decodeScale(advert)),
};
