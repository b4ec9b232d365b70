import type { FieldValue, Reading } from '../../core/reading';
import type { Advert } from './advert';
import type { PairingProblem } from './pairing';

/*
 * What the two halves of BLE exchange. The adapter (the radio half: scanning, what is not ours)
 * hands each advert of a device it forwards on as a BleHeard; the decoding stage
 * (src/pipeline/ble-stage.ts) turns it into the decoded Reading, and answers the few questions
 * `scan`, `devices` and `status` ask about decoding through a BleDecodingView.
 */

/**
 * An advert heard from a device the adapter forwards, not yet decoded: `raw` is the advert's
 * payload as on air (manufacturer data, else service data with its UUID), `advert` all of it.
 */
export interface BleHeard extends Reading {
  radio: 'ble';
  advert: Advert;
}

/** Whether `r` is an undecoded advert from a BLE adapter. */
export function isBleHeard(r: Reading): r is BleHeard {
  return r.radio === 'ble' && (r as Partial<BleHeard>).advert !== undefined;
}

/** What the last decode of one device gave (both unset: it was undecodable). */
export interface LastDecoded {
  fmt?: string;
  fields?: Record<string, FieldValue>;
}

/** What the radio half shows about decoding (`scan`, `devices`, `status`): read-only. */
export interface BleDecodingView {
  /** Readings the decoding side handed on (the adapter's `received`). */
  readonly forwarded: number;
  /** Its drops by cause (decode failures, replays, duplicates, undecodable, counter resets). */
  readonly drops: Readonly<Record<string, number>>;
  /** Failed reads and writes of the replay counter file. */
  readonly counterStoreFailures: number;
  /** Alarms for the adapter's status: replay counters not persisted, sensors that need pairing again. */
  alarms(): string[];
  /** The last decode of `mac` (12 hex digits), if one was tried since it was last forwardable. */
  lastDecoded(mac: string): LastDecoded | undefined;
  /** The mark of a paired sensor whose adverts fail for a reason only pairing again fixes. */
  problem(mac: string): PairingProblem | undefined;
}
