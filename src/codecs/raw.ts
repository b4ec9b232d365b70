import type { PayloadCodec } from './codec';

/**
 * The pass-through codec (`codec: raw`): the decrypted application payload as a hex field,
 * because the body's `raw` keeps the encrypted PHYPayload and the plaintext would otherwise be lost.
 */
export const rawCodec: PayloadCodec = {
  name: 'raw',
  decode: (bytes, fport) => ({ fields: { payload: bytes.toString('hex'), fport } }),
};
