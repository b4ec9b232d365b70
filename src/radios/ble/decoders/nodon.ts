import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, serviceData } from './common';

// NodOn NIU smart button (Theengs NODONNIU definition): service data 0000, 16 bytes:
//   … | colour u16 BE at byte 10 | battery % (bit 7 ignored) at byte 12 | … | press type at byte 15
//   (1 single, 2 double, 3 long press, 4 long release, 5 triple, 6 quadruple, 7 quintuple).

const FMT = 'nodon';
const UUID = '0000';
// Named as BTHome's button events where one exists
const PRESS: Record<number, string> = { 1: 'press', 2: 'double_press', 3: 'long_press', 4: 'long_release', 5: 'triple_press', 6: 'quadruple_press', 7: 'quintuple_press' };
const COLOURS: Record<number, string> = { 2: 'White', 3: 'TechBlue', 4: 'CozyGrey', 5: 'Wazabi', 6: 'Lagoon', 7: 'Softberry' };

function decodeNodon(advert: Advert): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || b.length !== 16) return fail(FMT, 'malformed');
  const f: Fields = { battery: b[12] & 0x7f };
  const press = PRESS[b[15]];
  if (press) f.button = press;
  const colour = COLOURS[b.readUInt16BE(10)];
  if (colour) f.colour = colour;
  return { fmt: FMT, fields: f, payload: b };
}

/** NodOn NIU smart button: button press, battery. */
export const NodonDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => serviceData(advert, UUID)?.length === 16,
  decode: (advert) => guarded(FMT, () => decodeNodon(advert)),
};
