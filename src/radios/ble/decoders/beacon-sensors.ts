import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, firstServiceData, guarded, round } from './common';

// Sensors that speak iBeacon (manufacturer data 4c 00 | 02 15 | proximity UUID (16) | major u16 BE |
// minor u16 BE | measured power) and put their readings where a beacon has its ids. The proximity
// UUID identifies the model; the plain `ibeacon` decoder steps aside for every UUID listed here
// (ownedBeacon), so one advert is never both. (The Tilt hydrometer, also an iBeacon, is tilt.ts.)
//   BM2 / BM6 battery monitors (Theengs BM2 / BM6): battery % in the measured-power byte (BM2) /
//     the low byte of major (BM6).
//   April Brother ABTemp: major | battery % | temperature i8 °C | measured power.
//   Jaalee F525 / F51C: 26 bytes, service UUID f525 / f51c (also the tail of its proximity UUID);
//     temperature u16 BE (−45 + 175·raw/65535) and humidity u16 BE (100·raw/65535) in major /
//     minor, then measured power and battery %.
//   RadioLand RDL52832: an iBeacon plus 16 bytes of service data 0318 / 1803 (decoded by rdl52832.ts).

const APPLE = 0x004c;
const BM2_UUID = '655f83caae16a10a702e31f30d58dd82';
const BM6_UUID = '3ba29cd9a42c894856badaf2606ef777';
const ABTEMP_UUID = 'b5b182c7eab14988aa99b5c1517008d9';
/** Service data UUIDs whose presence makes an iBeacon a RadioLand RDL52832 reading. */
export const RDL_UUIDS = ['0318', '1803'] as const;

function beaconUuid(advert: Advert): string | undefined {
  const m = advert.manufacturerData;
  if (!m || m.length < 25 || companyId(advert) !== APPLE || m[2] !== 0x02 || m[3] !== 0x15) return undefined;
  return m.toString('hex', 4, 20);
}

const JAALEE_SERVICES = ['f525', 'f51c'];

function isJaalee(advert: Advert, u: string): boolean {
  if (advert.manufacturerData!.length !== 26) return false;
  // its 16-bit service UUID (when the scanner reports it) or the tail of its proximity UUID
  return JAALEE_SERVICES.some((x) => u.endsWith(x) || advert.serviceUuids?.includes(x) === true);
}

/** True when one of the sensor decoders here (or RDL52832) owns this iBeacon advert. */
export function ownedBeacon(advert: Advert): boolean {
  const u = beaconUuid(advert);
  if (u === undefined) return false;
  if (u === BM2_UUID || u === BM6_UUID || u === ABTEMP_UUID || isJaalee(advert, u)) return true;
  return firstServiceData(advert, RDL_UUIDS)?.data.length === 16; // what rdl52832.ts claims
}

function beaconDecoder(fmt: string, owns: (advert: Advert, uuid: string) => boolean, read: (m: Buffer) => Fields): KeyedDecoder {
  return {
    fmt,
    companyIds: [APPLE],
    matches: (advert) => {
      const u = beaconUuid(advert);
      return u !== undefined && owns(advert, u);
    },
    decode: (advert) => guarded(fmt, (): DecodeResult => {
      const u = beaconUuid(advert);
      if (u === undefined || !owns(advert, u)) return fail(fmt, 'malformed');
      return { fmt, fields: read(advert.manufacturerData!), payload: advert.manufacturerData! };
    }),
  };
}

/** BM2 / BM6 car battery monitors: battery %. */
export const BmBatteryDecoder = beaconDecoder('bmbattery', (_a, u) => u === BM2_UUID || u === BM6_UUID, (m) => ({
  battery: m.toString('hex', 4, 20) === BM2_UUID ? m[24] : m[21],
}));

/** April Brother ABTemp: temperature, battery. */
export const AbtempDecoder = beaconDecoder('abtemp', (_a, u) => u === ABTEMP_UUID, (m) => ({
  temperature: m.readInt8(23),
  battery: m[22],
  tx_power: m.readInt8(24),
}));

/** Jaalee F525 / F51C: temperature, humidity, battery. */
export const JaaleeDecoder = beaconDecoder('jaalee', isJaalee, (m) => ({
  temperature: round(-45 + (175 * m.readUInt16BE(20)) / 65535, 2),
  humidity: round((100 * m.readUInt16BE(22)) / 65535, 2),
  battery: m[25],
}));
