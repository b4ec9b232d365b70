import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, round, serviceData } from './common';

// KKM KSensor frame (KKM's beacon protocol, sent by K6P, K9 and the BlueCharm BC08 rebrand;
// Theengs KKM_K6P / KKM_K9 / BC08 definitions): service data feaa (Eddystone's UUID) with frame
// type 0x21, version 0x01, then a sensor mask and, in this order, the sensors the mask names:
//   bit 0: voltage u16 BE mV | bit 1: temperature 8.8 fixed point (i8 whole °C, fraction ÷256) |
//   bit 2: humidity 8.8 fixed point % | bit 3: acceleration x, y, z i16 BE mg.
// The fractions are 1/256 as in the Theengs K9 definition; its older K6P definition adds the
// fraction byte as hundredths, which KKM's 8.8 layout does not support.
// Eddystone has no frame 0x21, and the eddystone decoder steps aside for it.

const FMT = 'kkm';
const UUID = 'feaa';

/** True for a KKM sensor frame (eddystone, which shares feaa, defers to this). */
export function isKkmFrame(b: Buffer): boolean {
  return b.length >= 3 && b[0] === 0x21 && b[1] === 0x01;
}

function decodeKkm(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || !isKkmFrame(b)) return fail(FMT, 'malformed');
  const mask = b[2];
  const need = 3 + (mask & 1 ? 2 : 0) + (mask & 2 ? 2 : 0) + (mask & 4 ? 2 : 0) + (mask & 8 ? 6 : 0);
  if (b.length < need) return fail(FMT, 'malformed');
  const f: Fields = {};
  let at = 3;
  if (mask & 1) { f.voltage = b.readUInt16BE(at) / 1000; at += 2; }
  if (mask & 2) { f.temperature = round(b.readInt8(at) + b[at + 1] / 256, 2); at += 2; }
  if (mask & 4) { f.humidity = round(b[at] + b[at + 1] / 256, 2); at += 2; }
  if (mask & 8) {
    f.acceleration_x = b.readInt16BE(at) / 1000;
    f.acceleration_y = b.readInt16BE(at + 2) / 1000;
    f.acceleration_z = b.readInt16BE(at + 4) / 1000;
  }
  return { fmt: FMT, fields: f, payload: b };
}

/** KKM K6P, K9 and BlueCharm BC08 sensor frames. */
export const KkmDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => {
    const b = serviceData(advert, UUID);
    return b !== undefined && isKkmFrame(b);
  },
  decode: (advert) => guarded(FMT, () => decodeKkm(advert)),
};
