import { isAbsolute, resolve } from 'node:path';
import { cayenneCodec } from './cayenne';
import { CodecLoadError, type PayloadCodec } from './codec';
import { rawCodec } from './raw';
import { Ts013Codec } from './ts013';

export { CodecLoadError, type CodecResult, type PayloadCodec } from './codec';
export { decodeCayenne, cayenneCodec } from './cayenne';
export { rawCodec } from './raw';
export { Ts013Codec, flattenFields } from './ts013';

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
  return new Ts013Codec(path, opts.timeoutMs ?? 50);
}
