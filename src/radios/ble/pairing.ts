/**
 * What the BLE side offers the rest of the gateway about enrolment (the control API, the web
 * page): records and operations in the domain's words. MACs in these records are in the form
 * people read, `aa:bb:cc:dd:ee:ff` ({@link formatMac}); topics and readings keep 12 hex digits.
 */

/**
 * A paired sensor's last decoding problem that only pairing again fixes: `auth_failed` (the bindkey
 * is wrong), `no_key` (it encrypts, no key given), `model_unknown` (its adverts do not say its model).
 */
export type PairingProblem = 'auth_failed' | 'no_key' | 'model_unknown';

/** An enrolled BLE device as listed by `lowband devices` (never the key itself). */
export interface PairedDevice {
  mac: string;
  name?: string;
  /** Model id given at pairing, for sensors whose passive adverts do not say which model they are. */
  model?: string;
  hasKey: boolean;
  pairedAt: string;
  /** Set while its adverts fail to decode for a reason only re-pairing fixes. */
  error?: PairingProblem;
}

/** A device seen nearby, for `lowband scan`. */
export interface NearbyDevice {
  mac: string;
  name?: string;
  fmt?: string;
  rssi: number;
  lastSeen: string;
  paired: boolean;
  fields?: Record<string, unknown>;
  /** A paired device whose adverts fail to decode for a reason only re-pairing fixes. */
  error?: PairingProblem;
}

/** What `pair` takes besides the MAC; `name` and `model` left out keep what an earlier pairing gave. */
export interface PairOptions {
  name?: string;
  /** 32 hex digits. */
  key?: string;
  model?: string;
}

/** Model ids as decoders name them: a letter or digit, then letters, digits, `.`, `_`, `+`, `-`; at most 32. */
export const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/;

/** What the BLE side offers the control API; `mac` arguments may be in any form {@link normaliseMac} takes. */
export interface BleControl {
  pair(mac: string, opts: PairOptions): Promise<PairedDevice>;
  unpair(mac: string): Promise<boolean>;
  devices(): PairedDevice[];
  nearby(): NearbyDevice[];
}

/**
 * Normalises a MAC written as `AA:BB:CC:DD:EE:FF`, `AA-BB-...` or `aabbccddeeff` to 12 lowercase
 * hex digits (the id in topics and readings). Throws an Error with a clear message otherwise.
 */
export function normaliseMac(input: unknown): string {
  const s = typeof input === 'string' ? input.trim() : '';
  const ok = /^[0-9a-fA-F]{12}$/.test(s) || /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(s);
  if (!ok) throw new Error(`invalid MAC "${s.slice(0, 40)}": expected 6 bytes as AA:BB:CC:DD:EE:FF, AA-BB-CC-DD-EE-FF or aabbccddeeff`);
  return s.replace(/[:-]/g, '').toLowerCase();
}

/** The form people read: `aa:bb:cc:dd:ee:ff`, from any form {@link normaliseMac} takes; other text is returned as is. */
export function formatMac(mac: string): string {
  const hex = mac.replace(/[:-]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(hex) ? hex.replace(/(..)(?!$)/g, '$1:') : mac;
}
