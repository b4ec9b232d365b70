import { isAbsolute, resolve } from 'node:path';
import { cayenneCodec } from './cayenne';
import { CodecLoadError, type PayloadCodec } from './codec';
import { rawCodec } from './raw';

export { CodecLoadError, type CodecResult, type PayloadCodec } from './codec';
export { decodeCayenne, cayenneCodec } from './cayenne';
export { rawCodec } from './raw';
export type { Ts013Codec } from './ts013';

// A TS-013 codec needs node:vm and node:worker_threads (a worker per codec file): ~1.5 MB of a
// Pi's idle RSS that a gateway with only cayenne/raw codecs, or no LoRaWAN devices, never uses.
// Loaded on the first codec file (import Ts013Codec and flattenFields from './ts013' itself).
/* eslint-disable-next-line @typescript-eslint/no-var-requires */
const ts013 = () => require('./ts013') as typeof import('./ts013');

/** Options for loading a codec: config `lorawan.codec_timeout_ms` and the directory relative paths start from. */
export interface CodecOptions {
  timeoutMs?: number;
  baseDir?: string;
}

/** `cayenne | raw | <path to a decodeUplink() file>` → a codec; throws CodecLoadError for an unusable file. */
export function loadCodec(spec: string, opts: CodecOptions = {}): PayloadCodec {
  if (spec === 'cayenne') return cayenneCodec;
  if (spec === 'raw') return rawCodec;
  if (!spec) throw new CodecLoadError(spec, 'empty codec name');
  const path = isAbsolute(spec) ? spec : resolve(opts.baseDir ?? process.cwd(), spec);
  return new (ts013().Ts013Codec)(path, opts.timeoutMs ?? 50);
}
