import type { Advert, DecodeResult } from '../advert';
import { type KeyedDecoder, companyId, fail, guarded } from './common';
import { type FieldRow, readLayout } from './layout';

// Aranet (SAF Tehnika; the advertisement as the vendor's Aranet4-Python library reads it):
// manufacturer data, company 0x0702. Aranet4 sends no device type byte (its names start with
// `Aranet4`; nameless, its data is 7 or 22 bytes); Aranet2 (1), Radiation (2) and Radon (3)
// send one first. After it: flags (bit 5 = "smart home integrations" on: only then are readings
// sent) | version | ... | readings at fixed offsets (counted from the byte after the company id,
// Aranet4 as if it had a type byte too, hence "+1" below for it):
//   Aranet4  co2 u16 @9 | temperature u16 ÷20 °C @11 | pressure u16 ÷10 hPa @13 | humidity u8 @15 | battery @16
//   Aranet2  temperature u16 ÷20 @10 | humidity u16 ÷10 @14 | battery @17
//   Radon    radon u16 Bq/m3 @8 | temperature @10 | pressure @12 | humidity u16 ÷10 @14 | battery @17
//   Radiation dose total u32 nSv @6 | duration u32 s @10 | dose rate u16 ×10 nSv/h @14 | battery @17
// Values with the device's "invalid" bit set fall outside the ranges below and are left out.

const FMT = 'aranet';
const COMPANY = 0x0702;
const T: Omit<FieldRow, 'at'> = { name: 'temperature', type: 'u16le', scale: 0.05, range: [-40, 200] };
const P: Omit<FieldRow, 'at'> = { name: 'pressure', type: 'u16le', scale: 0.1, range: [0, 2000] };
const H10: Omit<FieldRow, 'at'> = { name: 'humidity', type: 'u16le', scale: 0.1, range: [0, 100] };
const B: Omit<FieldRow, 'at'> = { name: 'battery', type: 'u8', range: [0, 100] };

/** Rows by device type (offsets counted with the type byte in front). */
const ROWS: Record<number, { min: number; rows: readonly FieldRow[] }> = {
  0: { min: 17, rows: [{ name: 'co2', at: 9, type: 'u16le', range: [0, 32767] }, { ...T, at: 11 }, { ...P, at: 13 }, { name: 'humidity', at: 15, type: 'u8', range: [0, 100] }, { ...B, at: 16 }] },
  1: { min: 18, rows: [{ ...T, at: 10 }, { ...H10, at: 14 }, { ...B, at: 17 }] },
  2: { min: 18, rows: [{ name: 'radiation_total', at: 6, type: 'u32le', scale: 0.001, digits: 3 }, { name: 'radiation_rate', at: 14, type: 'u16le', scale: 0.01, range: [0, 327.67] }, { ...B, at: 17 }] },
  3: { min: 18, rows: [{ name: 'radon', at: 8, type: 'u16le', range: [0, 0x1eff] }, { ...T, at: 10 }, { ...P, at: 12 }, { ...H10, at: 14 }, { ...B, at: 17 }] },
};

/** Device type: 0 Aranet4 (no type byte), else the first byte. */
function typeOf(advert: Advert, b: Buffer): number {
  const n = advert.localName;
  if (n !== undefined && n.startsWith('Aranet')) return n.startsWith('Aranet4') ? 0 : b[0];
  return b.length === 7 || b.length === 22 ? 0 : b[0];
}

function decodeAranet(advert: Advert): DecodeResult {
  const raw = advert.manufacturerData!.subarray(2);
  if (raw.length < 5) return fail(FMT, 'malformed');
  const type = typeOf(advert, raw);
  const b = type === 0 ? Buffer.concat([Buffer.from([0]), raw]) : raw; // Aranet4: as if typed
  const spec = ROWS[type];
  if (!spec) return fail(FMT, 'unsupported');
  if ((b[1] & 0x20) === 0 || b.length < spec.min) return fail(FMT, 'no_data'); // integrations off: no readings
  return { fmt: FMT, fields: readLayout(b, 0, spec.rows), payload: advert.manufacturerData! };
}

/** Aranet4, Aranet2, Aranet Radiation and Aranet Radon (with "smart home integrations" on). */
export const AranetDecoder: KeyedDecoder = {
  fmt: FMT,
  companyIds: [COMPANY],
  matches: (advert) => companyId(advert) === COMPANY && advert.manufacturerData!.length >= 2 + 5,
  decode: (advert) => guarded(FMT, () => decodeAranet(advert)),
};
