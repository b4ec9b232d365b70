import type { FieldValue } from '../../core/reading';

/** One BLE advertisement (advert + scan response merged by the scanner), as decoders see it. */
export interface Advert {
  /** 48-bit address, 12 lowercase hex digits, no separators, printed (MSB-first) order. */
  mac: string;
  addressType?: 'public' | 'random';
  rssi: number;
  localName?: string;
  /** Manufacturer specific data including the 2-byte little-endian company id, as on air. */
  manufacturerData?: Buffer;
  /** Service data entries; `uuid` is 4 lowercase hex digits for 16-bit UUIDs, else 32. */
  serviceData: { uuid: string; data: Buffer }[];
  serviceUuids?: string[];
  txPower?: number;
}

/** Per-device context a decoder may need (enrolment key, replay protection). */
export interface DecodeContext {
  /** 16-byte bindkey for encrypted formats (BTHome v2, pvvx, MiBeacon). */
  bindkey?: Buffer;
  /** Highest counter accepted so far for this device, for replay protection. */
  lastCounter?: number;
  /**
   * Model given at enrolment (`pair --model`), for formats whose passive adverts do not say
   * which model sent them (SwitchBot manufacturer-data-only adverts). Lowercase model id.
   */
  model?: string;
}

/** A successful decode. */
export interface Decoded {
  fmt: string;
  fields: Record<string, FieldValue>;
  /** Measurement counter when the format has one (packet id, sequence): part of the idempotency key. */
  counter?: number;
  /** A configured key verified the payload. */
  authenticated?: boolean;
  /** The bytes the reading was decoded from (service data or manufacturer data). */
  payload: Buffer;
}

/** A decoder recognised the advert but refused it: counted, never forwarded as a reading. */
export interface DecodeFailure {
  fmt: string;
  /** `auth_failed`, `replay`, `no_key`, `malformed`, ... */
  error: string;
}

export type DecodeResult = Decoded | DecodeFailure;

/** One sensor format. Adding a format is one file with one of these plus one line in the registry. */
export interface BleDecoder {
  fmt: string;
  /** Cheap test on company id / service UUID / name. */
  matches(advert: Advert): boolean;
  /** Pure: never throws on malformed input (returns a DecodeFailure instead). */
  decode(advert: Advert, ctx: DecodeContext): DecodeResult;
}

export function isFailure(r: DecodeResult): r is DecodeFailure {
  return (r as DecodeFailure).error !== undefined;
}
