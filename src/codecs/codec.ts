import type { FieldValue } from '../core/reading';

/** What a payload codec made of one payload: fields, or an error (never a throw). */
export interface CodecResult {
  fields?: Record<string, FieldValue>;
  error?: string;
  /** The codec ran past its time budget (counted apart from other errors). */
  timeout?: boolean;
  /** The codec's worker is being replaced after a failure; the payload was not decoded (counted apart). */
  restarting?: boolean;
}

/** Turns an application payload (decrypted FRMPayload or a P2P packet) into wire fields. */
export interface PayloadCodec {
  /** Codec name, used as the body's `fmt`. */
  name: string;
  decode(bytes: Buffer, fport: number): CodecResult;
  /** Releases what the codec holds (a TS013 codec's worker thread). */
  close?(): void;
}

/** A codec could not be loaded (missing file, syntax error, no decodeUplink): a configuration error. */
export class CodecLoadError extends Error {
  constructor(readonly spec: string, reason: string) {
    super(`codec ${JSON.stringify(spec)}: ${reason}`);
    this.name = 'CodecLoadError';
  }
}
