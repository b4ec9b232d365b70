import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, firstServiceData, guarded, round } from './common';
import { RDL_UUIDS } from './beacon-sensors';

// RadioLand RDL52832 (Theengs RDL52832 definition): an iBeacon in the manufacturer data and the
// readings in service data 0318 (older firmware) or 1803, 16 bytes:
//   temperature i16 BE ÷256 °C | humidity i16 BE ÷256 % | then per axis x, y, z four bytes:
//   sign (1 = negative) | whole g | tenths | hundredths.

const FMT = 'rdl52832';
const AXES = ['acceleration_x', 'acceleration_y', 'acceleration_z'] as const;

function decodeRdl(advert: Advert): DecodeResult {
  const sd = firstServiceData(advert, RDL_UUIDS);
  if (!sd || sd.data.length !== 16) return fail(FMT, 'malformed');
  const b = sd.data;
  // ÷256 is exact in binary: no rounding needed
  const f: Fields = { temperature: b.readInt16BE(0) / 256, humidity: b.readInt16BE(2) / 256 };
  for (let i = 0; i < 3; i++) {
    const at = 4 + i * 4;
    if (b[at + 2] > 9 || b[at + 3] > 99) continue; // not a digit: leave the axis out
    const g = b[at + 1] + b[at + 2] / 10 + b[at + 3] / 100;
    f[AXES[i]] = round(b[at] === 1 ? -g : g, 2);
  }
  return { fmt: FMT, fields: f, payload: b };
}

/** RadioLand RDL52832 beacon: temperature, humidity, acceleration. */
export const Rdl52832Decoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [...RDL_UUIDS],
  matches: (advert) => firstServiceData(advert, RDL_UUIDS)?.data.length === 16,
  decode: (advert) => guarded(FMT, () => decodeRdl(advert)),
};
