/*
 * src/core owns the gateway's own facts: what a reading is (here), its idempotency key
 * (key.ts) and the sequence counter that never repeats (sequence.ts).
 */
/** A measurement value as carried in the wire body's `fields` map. */
export type FieldValue = number | string | boolean;

/** Radio family of a reading; `sys` is reserved for gateway events. */
export type RadioKind = 'lora' | 'ble';

/** LoRaWAN frame facts carried in the body's `lorawan` map (wire spec section 1). */
export interface LorawanInfo {
  mtype: string;
  devaddr?: string;
  deveui?: string;
  joineui?: string;
  fcnt?: number;
  fport?: number;
  adr?: boolean;
  ack?: boolean;
}

/**
 * What the idempotency key is derived from (wire spec section 3).
 * Absent means "run of identical payloads": the pipeline's RunTracker supplies the run start.
 */
export type KeySource =
  /** DevAddr and MIC as unsigned 32-bit numbers of their key bytes (DevAddr MSB-first, MIC as on air): no Buffer per frame. */
  | { kind: 'lorawan'; devaddr: number; fcnt: number; mic: number }
  | { kind: 'lorawan-join'; phy: Buffer }
  | { kind: 'counter'; mac: string; fmt: string; counter: number; payload: Buffer };

/** One reception, normalised by an adapter and its decoders, before it gets a key and a seq. */
export interface Reading {
  radio: RadioKind;
  /** Topic device id: lowercase hex without separators, or a codec-given id, or `raw`. */
  device: string;
  /** Adapter instance that heard it (`lora0`, `ble0`, `udp0`). */
  src: string;
  /** The radio payload exactly as received. */
  raw: Buffer;
  /** Receive time, microseconds since the Unix epoch. */
  timeUs: number;
  rssi?: number;
  snr?: number;
  freq?: number;
  dr?: string;
  fmt?: string;
  /** The user's label for the device (`lowband pair --name`, `lorawan.devices[].name`). */
  name?: string;
  fields?: Record<string, FieldValue>;
  lorawan?: LorawanInfo;
  /** A configured key verified this frame (LoRaWAN MIC, BLE AES-CCM). */
  authenticated?: boolean;
  keySource?: KeySource;
}

/** The process's start on the wall clock (ms): fixed, and its getter costs a call into Node per read. */
const TIME_ORIGIN_MS = performance.timeOrigin;

/** Microseconds since the Unix epoch, from the wall clock at start plus the monotonic clock since. */
export function nowUs(): number {
  return Math.round((TIME_ORIGIN_MS + performance.now()) * 1000);
}
