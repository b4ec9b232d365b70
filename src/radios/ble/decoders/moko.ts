import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, firstServiceData, guarded, round } from './common';

// MokoSmart beacons (Theengs Mokobeacon / MBXPRO definitions):
//   Mokobeacon: service data ff01, 13 bytes: battery % | … | acceleration x, y, z i16 BE at
//     bytes 7, 9, 11 (÷10 000 g).
//   BeaconX Pro: service data feab, frame type in byte 0:
//     0x40 device info: voltage u16 BE mV at byte 3;
//     0x60 accelerometer: x, y, z i16 BE at bytes 6, 8, 10 (÷10 000 g), voltage at byte 12;
//     0x70 T&H: temperature i16 BE ÷10 at byte 3, humidity u16 BE ÷10 at byte 5, voltage at byte 7.

const FMT = 'moko';
const UUIDS = ['ff01', 'feab'] as const;
const FRAME_LEN: Record<number, number> = { 0x40: 5, 0x60: 14, 0x70: 9 };

function axes(b: Buffer, at: number, f: Fields): void {
  f.acceleration_x = round(b.readInt16BE(at) / 10000, 4);
  f.acceleration_y = round(b.readInt16BE(at + 2) / 10000, 4);
  f.acceleration_z = round(b.readInt16BE(at + 4) / 10000, 4);
}

function claims(sd: { uuid: string; data: Buffer } | undefined): boolean {
  if (!sd) return false;
  if (sd.uuid === 'ff01') return sd.data.length === 13;
  const need = FRAME_LEN[sd.data[0]];
  return need !== undefined && sd.data.length >= need;
}

function decodeMoko(advert: Advert): DecodeResult {
  const sd = firstServiceData(advert, UUIDS);
  if (!sd || !claims(sd)) return fail(FMT, 'malformed');
  const b = sd.data;
  const f: Fields = {};
  if (sd.uuid === 'ff01') {
    f.battery = b[0];
    axes(b, 7, f);
  } else if (b[0] === 0x40) {
    f.voltage = b.readUInt16BE(3) / 1000;
  } else if (b[0] === 0x60) {
    axes(b, 6, f);
    f.voltage = b.readUInt16BE(12) / 1000;
  } else {
    f.temperature = round(b.readInt16BE(3) / 10, 1);
    f.humidity = round(b.readUInt16BE(5) / 10, 1);
    f.voltage = b.readUInt16BE(7) / 1000;
  }
  return { fmt: FMT, fields: f, payload: b };
}

/** MokoSmart Mokobeacon and BeaconX Pro (MBXPRO). */
export const MokoDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [...UUIDS],
  matches: (advert) => claims(firstServiceData(advert, UUIDS)),
  decode: (advert) => guarded(FMT, () => decodeMoko(advert)),
};
