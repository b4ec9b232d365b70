import type { Logger } from '../../util/log';
import type { Advert, DecodeContext, DecodeResult } from './advert';

/** Same signature as `decodeAdvert` in `./decoders/registry`. */
export type AdvertDecodeFn = (advert: Advert, ctx: DecodeContext) => DecodeResult | undefined;

let registryDecode: AdvertDecodeFn | undefined | null = null;

/**
 * The decoder registry, loaded on first use so the scanner works (raw) even if it is missing.
 * Both BLE halves use it: the decoding stage for what is forwarded, the adapter for `scan`.
 */
export function loadRegistry(log: Logger): AdvertDecodeFn | undefined {
  if (registryDecode !== null) return registryDecode;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require('./decoders/registry') as { decodeAdvert?: AdvertDecodeFn };
    registryDecode = typeof mod.decodeAdvert === 'function' ? mod.decodeAdvert : undefined;
  } catch (err) {
    registryDecode = undefined;
    log.error({ err: (err as Error).message }, 'BLE decoder registry missing: adverts are not decoded');
  }
  return registryDecode;
}

/** Runs a decoder; one that throws (they must not) gives a counted `decoder_error`, never a crash. */
export function safeDecode(decode: AdvertDecodeFn, a: Advert, ctx: DecodeContext): DecodeResult | undefined {
  try {
    return decode(a, ctx);
  } catch {
    return { fmt: 'unknown', error: 'decoder_error' };
  }
}
