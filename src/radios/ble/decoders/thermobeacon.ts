import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, guarded, round } from './common';

// ThermoBeacon / ORIA / Brifit (WS02, WS08 and relatives; the layout of the Theengs ThermoBeacon
// definition and the thermobeacon-ble parser). The "company id" is the device type
// (0x0010, 0x0011, 0x0014, 0x0015, 0x0018, 0x001b, 0x0030: thermobeacon-ble has real adverts of
// each); the manufacturer data including it is 20 bytes for
// a measurement (22 bytes: the min/max report, no current reading):
//   id(2) | x | bit 7 button | MAC(6) | battery u16 LE mV | temperature i16 LE ÷16 °C |
//   humidity u16 LE ÷16 % | uptime.
// Battery % follows the vendor's curve from the voltage.

const FMT = 'thermobeacon';
const IDS = [0x0010, 0x0011, 0x0014, 0x0015, 0x0018, 0x001b, 0x0030];

function batteryPercent(mv: number): number {
  if (mv >= 3000) return 100;
  if (mv >= 2600) return 60 + (mv - 2600) * 0.1;
  if (mv >= 2500) return 40 + (mv - 2500) * 0.2;
  if (mv >= 2450) return 20 + (mv - 2450) * 0.4;
  return 0;
}

function decodeThermobeacon(advert: Advert): DecodeResult {
  const m = advert.manufacturerData!;
  if (m.length === 22) return fail(FMT, 'no_data');
  if (m.length !== 20) return fail(FMT, 'malformed');
  const mv = m.readUInt16LE(10);
  const t = m.readInt16LE(12) / 16;
  const h = m.readUInt16LE(14) / 16;
  if (t > 100 || h > 100) return fail(FMT, 'malformed');
  const f: Fields = { temperature: round(t, 2), humidity: round(h, 2), voltage: mv / 1000, battery: round(batteryPercent(mv), 0), button: (m[3] & 0x80) !== 0 };
  return { fmt: FMT, fields: f, payload: m };
}

/** ThermoBeacon WS02 / WS08 family. */
export const ThermobeaconDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: IDS,
  matches: (advert) => IDS.includes(companyId(advert)) && (advert.manufacturerData!.length === 20 || advert.manufacturerData!.length === 22),
  decode: (advert) => guarded(FMT, () => decodeThermobeacon(advert)),
};
