import type { FieldValue } from '../../../core/reading';
import type { Advert, BleDecoder, DecodeFailure, Decoded } from '../advert';

/**
 * A decoder plus the dispatch keys the registry indexes it by, so a received advert
 * costs one Map lookup per service-data entry / company id instead of asking every decoder.
 */
export interface KeyedDecoder extends BleDecoder {
  /** 16-bit service-data UUIDs (4 lowercase hex digits) this format uses. */
  serviceUuids?: readonly string[];
  /** Bluetooth SIG company ids (as numbers) of manufacturer data this format uses. */
  companyIds?: readonly number[];
  /** Exact local names for formats that can only be told apart by name. */
  localNames?: readonly string[];
  /** Local-name prefixes (model names with a per-device suffix: `TP357 (2B54)`, `SensorPush HT.w 0CA1`). */
  namePrefixes?: readonly string[];
  /**
   * Formats whose manufacturer data has no company id and that often come without a name (a
   * passive scan gets no scan response): asked last, only when no keyed decoder claimed the
   * advert, so `matches()` must check the length and type bytes tightly.
   */
  unkeyedManufacturer?: boolean;
}

/** A decode that kept what it could but stopped early (e.g. BTHome unknown object id). */
export interface PartialDecoded extends Decoded {
  /** Why decoding stopped before the end of the payload; the reading is still usable. */
  warning?: string;
}

/** Field map being filled by a decoder. */
export type Fields = Record<string, FieldValue>;

/** Sets `name`, or `name_2`, `name_3`, ... when the quantity repeats within one advert. */
export function putField(fields: Fields, name: string, value: FieldValue): string {
  if (!(name in fields)) {
    fields[name] = value;
    return name;
  }
  for (let n = 2; ; n++) {
    const k = `${name}_${n}`;
    if (!(k in fields)) {
      fields[k] = value;
      return k;
    }
  }
}

/** Field of probe `n` of a multi-probe thermometer: `temperature`, `temperature_2`, ... by socket. */
export function probeField(n: number): string {
  return n === 1 ? 'temperature' : `temperature_${n}`;
}

/** The data of the first service-data entry with `uuid`, or undefined. */
export function serviceData(advert: Advert, uuid: string): Buffer | undefined {
  const sd = advert.serviceData;
  for (let i = 0; i < sd.length; i++) if (sd[i].uuid === uuid) return sd[i].data;
  return undefined;
}

/** First service data among `uuids` (in the advert's order), with the matching uuid. */
export function firstServiceData(advert: Advert, uuids: readonly string[]): { uuid: string; data: Buffer } | undefined {
  const sd = advert.serviceData;
  for (let i = 0; i < sd.length; i++) if (uuids.includes(sd[i].uuid)) return sd[i];
  return undefined;
}

/** Company id (little-endian on air) of the manufacturer data, or -1. */
export function companyId(advert: Advert): number {
  const m = advert.manufacturerData;
  return m && m.length >= 2 ? m[0] | (m[1] << 8) : -1;
}

/** Failure result helper. */
export function fail(fmt: string, error: string): DecodeFailure {
  return { fmt, error };
}

/** Rounds to `digits` decimals so scaled integers print as the decimal the sensor meant. */
export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** MAC (12 hex digits, printed order) as 6 bytes, or undefined if it is not one. */
export function macBytes(mac: string): Buffer | undefined {
  if (mac.length !== 12 || !/^[0-9a-fA-F]{12}$/.test(mac)) return undefined;
  return Buffer.from(mac, 'hex');
}

/** Runs a parser so that a bug or a short buffer becomes `malformed` instead of an exception. */
export function guarded(fmt: string, fn: () => Decoded | DecodeFailure): Decoded | DecodeFailure {
  try {
    return fn();
  } catch {
    return { fmt, error: 'malformed' };
  }
}
