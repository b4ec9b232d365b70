import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, firstServiceData, guarded, round } from './common';

// Sensor Easy SE_TEMP, SE_RHT, SE_TPROBE, SE_MAG (Theengs SE_* definitions): the GATT
// characteristic UUID as service data, the model as the second word of the local name
// ("P T EN 888444", "C RHT 99999A", "P TPROBE 000000", "P MAG CCCCCC"):
//   2a6e temperature i16 LE ÷100 °C (0x7fff: no probe) | 2a6f humidity u8 % | 2a06 bit 0 clear = open.
// The voltage rides in manufacturer data 0x0757: 0xf2 | u16 LE mV.

const FMT = 'sensoreasy';
const UUIDS = ['2a6e', '2a6f', '2a06'] as const;
const VOLT_COMPANY = 0x0757;

function model(advert: Advert): string | undefined {
  const n = advert.localName;
  if (n === undefined || n.length < 3) return undefined;
  const rest = n.slice(1);
  if (rest.startsWith(' T ')) return 'T';
  if (rest.startsWith(' RHT ')) return 'RHT';
  if (rest.startsWith(' TPROBE')) return 'TPROBE';
  if (rest.startsWith(' MAG')) return 'MAG';
  return undefined;
}

function owns(advert: Advert): boolean {
  const m = model(advert);
  const sd = firstServiceData(advert, UUIDS);
  if (!m || !sd) return false;
  if (sd.uuid === '2a06') return m === 'MAG' && sd.data.length === 2;
  if (sd.uuid === '2a6f') return m === 'RHT' && sd.data.length === 1;
  return m !== 'MAG' && sd.data.length === 2;
}

function decodeSensorEasy(advert: Advert): DecodeResult {
  if (!owns(advert)) return fail(FMT, 'malformed');
  const sd = firstServiceData(advert, UUIDS)!;
  const b = sd.data;
  const f: Fields = {};
  if (sd.uuid === '2a06') f.opening = (b[0] & 1) === 0;
  else if (sd.uuid === '2a6f') f.humidity = b[0];
  else if (b.readInt16LE(0) !== 0x7fff) f.temperature = round(b.readInt16LE(0) / 100, 2);
  const m = advert.manufacturerData;
  if (m && companyId(advert) === VOLT_COMPANY && m.length === 5 && m[2] === 0xf2) f.voltage = m.readUInt16LE(3) / 1000;
  return { fmt: FMT, fields: f, payload: b };
}

/** Sensor Easy SE_TEMP, SE_RHT, SE_TPROBE and SE_MAG. */
export const SensorEasyDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [...UUIDS],
  matches: owns,
  decode: (advert) => guarded(FMT, () => decodeSensorEasy(advert)),
};
