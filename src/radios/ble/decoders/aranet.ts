import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded } from './common';
import { type FieldRow, readLayout } from './layout';

// Aranet4 (SAF Tehnika; the advertisement as the vendor's Aranet4-Python library reads it):
// manufacturer data, company 0x0702. Byte 0: flags (bit 5 = "smart home integrations" on: only
// then are readings sent) | version patch, minor, major (u16) | ... | readings from byte 8:
// co2 u16 LE ppm | temperature u16 LE ÷20 °C | pressure u16 LE ÷10 hPa | humidity u8 % |
// battery u8 % | status u8 | interval u16 s | age u16 s | counter.
// Aranet2 / Radiation / Radon put a device type byte in front (other layouts, not decoded here).

const FMT = 'aranet';
const COMPANY = 0x0702;
const ROWS: readonly FieldRow[] = [
  { name: 'co2', at: 8, type: 'u16le' },
  { name: 'temperature', at: 10, type: 'u16le', scale: 0.05 },
  { name: 'pressure', at: 12, type: 'u16le', scale: 0.1 },
  { name: 'humidity', at: 14, type: 'u8' },
  { name: 'battery', at: 15, type: 'u8' },
];

function isAranet4(advert: Advert): boolean {
  const n = advert.localName;
  if (n !== undefined && n.startsWith('Aranet')) return n.startsWith('Aranet4');
  const len = (advert.manufacturerData?.length ?? 0) - 2;
  return len === 7 || len === 22 || len === 23;
}

function decodeAranet(advert: Advert): DecodeResult {
  const b = advert.manufacturerData!.subarray(2);
  if (b.length < 7) return fail(FMT, 'malformed');
  if ((b[0] & 0x20) === 0 || b.length < 16) return fail(FMT, 'no_data'); // integrations off: no readings
  return { fmt: FMT, fields: readLayout(b, 0, ROWS), payload: advert.manufacturerData! };
}

/** Aranet4 CO2 monitor (with "smart home integrations" enabled). */
export const AranetDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && isAranet4(advert),
  decode: (advert) => guarded(FMT, () => decodeAranet(advert)),
};
