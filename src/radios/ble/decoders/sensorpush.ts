import type { Advert, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, round } from './common';

// SensorPush (the vendor's advertisement notes as used by the sensorpush-ble parser). The
// manufacturer data has no company id: its first two bytes are already data.
//   HT1 (local name `s`): 12-bit humidity and 14-bit temperature packed little-endian in bytes
//     0-3; device type = bits 2-6 of byte 3 (1 = HT1). humidity = −6 + 125 × raw / 4096 %
//     (clamped 0-100), temperature = −46.85 + 175.72 × raw / 16384 °C.
//   HT.w / HTP.xw (names contain `HT.w`, `HTP.xw`): byte 0 bits 0-1 page (0 = measurements),
//     bits 2-7 + 64 = device type; bytes 1.. one little-endian integer holding values in mixed
//     radix: each quantity is (count mod n) with n = (max − min) / step + 1, value = min + count × step.
//     HTP.xw (64): temperature −40..140 step 0.0025 | humidity 0..100 step 0.0025 | pressure
//     30000..125000 Pa step 1 (reported in hPa). HT.w (65): temperature −40..125 | humidity 0..100.
//     TC.x (66, names with `TC`): thermocouple temperature −200..1800 step 0.0625.

const FMT = 'sensorpush';

type Block = readonly [min: number, max: number, step: number, name: string];
const PACKED: Record<number, readonly Block[]> = {
  64: [[-40, 140, 0.0025, 'temperature'], [0, 100, 0.0025, 'humidity'], [30000, 125000, 1, 'pressure']],
  65: [[-40, 125, 0.0025, 'temperature'], [0, 100, 0.0025, 'humidity']],
  66: [[-200, 1800, 0.0625, 'temperature']],
};

function ht1(m: Buffer): DecodeResult {
  if (m.length < 4 || ((m[3] & 0x7c) >> 2) !== 1) return fail(FMT, 'unsupported');
  const rh = -6 + (125 * (m[0] | ((m[1] & 0x0f) << 8))) / 4096;
  const t = -46.85 + (175.72 * ((m[1] >> 4) | (m[2] << 4) | ((m[3] & 0x03) << 12))) / 16384;
  return { fmt: FMT, fields: { temperature: round(t, 2), humidity: round(Math.min(100, Math.max(0, rh)), 2) }, payload: m };
}

function packed(m: Buffer): DecodeResult {
  if (m.length < 2) return fail(FMT, 'malformed');
  if ((m[0] & 0x03) !== 0) return fail(FMT, 'no_data'); // other pages carry no measurement
  const blocks = PACKED[64 + (m[0] >> 2)];
  if (!blocks) return fail(FMT, 'unsupported');
  let v = 0n;
  for (let i = m.length - 1; i >= 1; i--) v = (v << 8n) | BigInt(m[i]);
  const f: Fields = {};
  for (const [min, max, step, name] of blocks) {
    const n = BigInt(Math.floor((max - min) / step + step / 2) + 1);
    const count = Number(v % n);
    v /= n;
    const value = round(count * step + min, 2);
    f[name] = name === 'pressure' ? round(value / 100, 2) : value;
  }
  return { fmt: FMT, fields: f, payload: m };
}

function decodeSensorpush(advert: Advert): DecodeResult {
  const m = advert.manufacturerData;
  if (!m) return fail(FMT, 'malformed');
  return advert.localName === 's' ? ht1(m) : packed(m);
}

function isNamedV2(name: string | undefined): boolean {
  return name !== undefined && (name.includes('HT.w') || name.includes('HTP.xw') || name.includes('TC.x') || name.startsWith('TC'));
}

/**
 * A nameless advert (passive scan: the name is in the scan response) still says what it is by its
 * measurement page: byte 0 = 0x00 with 7 bytes is HTP.xw (type 64, page 0: 6 bytes of mixed-radix
 * value), 0x04 with 5 bytes is HT.w (type 65, page 0: 4 bytes).
 */
function isNamelessV2(advert: Advert): boolean {
  const n = advert.localName;
  if (n !== undefined && n !== '') return false;
  const m = advert.manufacturerData;
  return m !== undefined && ((m.length === 7 && m[0] === 0x00) || (m.length === 5 && m[0] === 0x04));
}

/** SensorPush HT1, HT.w, HTP.xw and TC.x. */
export const SensorpushDecoder: KeyedDecoder = {
  fmt: FMT,
  localNames: ['s'],
  namePrefixes: ['SensorPush', 'HT.w', 'HTP.xw', 'TC.x'],
  unkeyedManufacturer: true,
  matches: (advert) => (advert.manufacturerData?.length ?? 0) >= 4 && (advert.localName === 's' || isNamedV2(advert.localName) || isNamelessV2(advert)),
  decode: (advert) => guarded(FMT, () => decodeSensorpush(advert)),
};
