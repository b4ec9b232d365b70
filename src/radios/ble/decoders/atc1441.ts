import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, fail, guarded, serviceData } from './common';

// atc1441 custom firmware for Xiaomi LYWSD03MMC (github atc1441/ATC_MiThermometer, "advertising
// format"): service data 0x181a, 13 bytes big-endian: MAC(6) | temp i16 ×0.1 °C | humidity u8 % |
// battery u8 % | battery u16 mV | frame counter u8 (changes with each new measurement).

const FMT = 'atc1441';
const UUID = '181a';

function decodeAtc(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || b.length !== 13) return fail(FMT, 'malformed');
  return {
    fmt: FMT,
    fields: {
      temperature: b.readInt16BE(6) / 10,
      humidity: b[8],
      battery: b[9],
      voltage: b.readUInt16BE(10) / 1000,
    },
    counter: b[12],
    payload: b,
  };
}

/** atc1441 firmware format (181a, 13 bytes). */
export const Atc1441Decoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => serviceData(advert, UUID)?.length === 13,
  decode: (advert) => guarded(FMT, () => decodeAtc(advert)),
};
