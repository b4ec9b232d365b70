import { createCipheriv } from 'node:crypto';

const BLOCK = 16;
const RB = 0x87;

/** One AES-128 block operation (ECB, no padding); the building block of CMAC and the keystream. */
export function aesEncrypt(key: Buffer, data: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function doubleBlock(b: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = ((b[i] << 1) | (i + 1 < BLOCK ? b[i + 1] >> 7 : 0)) & 0xff;
  if (b[0] & 0x80) out[BLOCK - 1] ^= RB;
  return out;
}

/** AES-CMAC (RFC 4493) over `msg` with a 16-byte key; returns the full 16-byte tag. */
export function aesCmac(key: Buffer, msg: Buffer): Buffer {
  const l = aesEncrypt(key, Buffer.alloc(BLOCK));
  const k1 = doubleBlock(l);
  const k2 = doubleBlock(k1);
  const n = Math.max(1, Math.ceil(msg.length / BLOCK));
  const complete = msg.length > 0 && msg.length % BLOCK === 0;
  const last = Buffer.alloc(BLOCK);
  const lastStart = (n - 1) * BLOCK;
  msg.copy(last, 0, lastStart);
  if (!complete) last[msg.length - lastStart] = 0x80;
  const sub = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) last[i] ^= sub[i];
  // CBC with a zero IV over every block: the final cipher block is the MAC.
  const c = createCipheriv('aes-128-cbc', key, Buffer.alloc(BLOCK));
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(msg.subarray(0, lastStart)), c.update(last), c.final()]);
  return out.subarray(out.length - BLOCK);
}
