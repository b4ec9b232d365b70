import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, putField, serviceData } from './common';

// Qingping / ClearGrass (service data 0xfdcd), as described by the Theengs decoder (CGG1, CGDK2,
// CGP1W, CGDN1 definitions) and ble_monitor's Qingping notes:
//   flags u8 | device id u8 | MAC(6, reversed) | objects: type u8 | length u8 | value ...
//   0x01 temp i16 LE ×0.1 °C + humidity u16 LE ×0.1 % | 0x02 battery % | 0x07 pressure u16 LE ×0.1 hPa |
//   0x12 pm2.5 u16 LE + pm10 u16 LE | 0x13 co2 u16 LE ppm | 0x04 door: 0 open, 1 closed,
//   2 left open (CGH1) | 0x08 motion u8 + illuminance u24 LE lx (CGPR1; in event frames, flags
//   bit 6, only the motion byte is valid) | 0x09 illuminance u32 LE lx | 0x11 light u8 |
//   0x15 VOC index u16 | 0x19 noise u8 dB. Battery 0xff means mains powered (100 %).
//   Other objects are skipped by length.

const FMT = 'qingping';
const UUID = 'fdcd';

function decodeQingping(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || b.length < 8) return fail(FMT, 'malformed');
  const f: Fields = {};
  let i = 8;
  while (i + 2 <= b.length) {
    const type = b[i], len = b[i + 1], at = i + 2;
    if (at + len > b.length) break;
    switch (type) {
      case 0x01:
        if (len >= 4) {
          putField(f, 'temperature', b.readInt16LE(at) / 10);
          putField(f, 'humidity', b.readUInt16LE(at + 2) / 10);
        }
        break;
      case 0x02: if (len >= 1) putField(f, 'battery', b[at] === 0xff ? 100 : b[at]); break;
      case 0x07: if (len >= 2) putField(f, 'pressure', b.readUInt16LE(at) / 10); break;
      case 0x12:
        if (len >= 4) {
          putField(f, 'pm25', b.readUInt16LE(at));
          putField(f, 'pm10', b.readUInt16LE(at + 2));
        }
        break;
      case 0x13: if (len >= 2) putField(f, 'co2', b.readUInt16LE(at)); break;
      case 0x04: if (len >= 1) putField(f, 'opening', b[at] !== 1); break;
      case 0x08:
        if (len >= 4) {
          putField(f, 'motion', b[at] !== 0);
          if ((b[0] & 0x40) === 0) putField(f, 'illuminance', b.readUIntLE(at + 1, 3));
        }
        break;
      case 0x15: if (len >= 2) putField(f, 'voc', b.readUInt16LE(at)); break;
      case 0x19: if (len >= 1) putField(f, 'noise', b[at]); break;
      case 0x09: if (len >= 4) putField(f, 'illuminance', b.readUInt32LE(at)); break;
      case 0x11: if (len >= 1) putField(f, 'light', b[at] !== 0); break;
      default: break;
    }
    i = at + len;
  }
  return { fmt: FMT, fields: f, payload: b };
}

/** Qingping (ClearGrass) thermo-hygrometers and air monitors. */
export const QingpingDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => serviceData(advert, UUID) !== undefined,
  decode: (advert) => guarded(FMT, () => decodeQingping(advert)),
};
