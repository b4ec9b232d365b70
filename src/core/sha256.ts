/**
 * SHA-256 (FIPS 180-4) of a short message, in JavaScript, for idempotency keys.
 *
 * Why not node:crypto: a key is hashed for every reading, and its canonical encoding is about
 * 50 bytes. `crypto.hash` spends ~1.1 µs on such a message, nearly all of it crossing into
 * OpenSSL and back (a digest context, a result Buffer); this one-block compression costs
 * ~0.5 µs and allocates nothing. Longer messages go to OpenSSL, which wins once there are more
 * than a few blocks. test/core/sha256.test.ts checks both paths against node:crypto.
 */
import * as crypto from 'node:crypto';

/** Messages up to this many bytes are hashed here (two blocks with padding); longer ones by OpenSSL. */
export const JS_MAX_BYTES = 119;

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

// Scratch state: hashing is synchronous and never re-entered.
const H = new Int32Array(8);
const W = new Int32Array(64);
const padded = new Uint8Array(128);

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** One 64-byte block of `b` from `at` into H. */
function compress(b: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) W[i] = (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15];
    const y = W[i - 2];
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = H[0], b1 = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b1;
    b1 = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b1) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
  H[5] = (H[5] + f) | 0;
  H[6] = (H[6] + g) | 0;
  H[7] = (H[7] + h) | 0;
}

/** One-shot hashing (Node >= 20.12) skips the Hash object; older 20.x fall back to createHash. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** The first 16 bytes of SHA-256 of the first `n` bytes of `data` (all of it by default), in a new Buffer. */
export function sha256Prefix16(data: Uint8Array, n = data.length): Buffer {
  if (n > JS_MAX_BYTES) {
    const whole = n === data.length ? data : data.subarray(0, n);
    const d = oneShot ? oneShot('sha256', whole, 'buffer') : crypto.createHash('sha256').update(whole).digest();
    return d.subarray(0, 16);
  }
  H.set(IV);
  let at = 0;
  if (n >= 64) {
    compress(data, 0);
    at = 64;
  }
  // The rest, 0x80, zeros, then the length in bits as a 64-bit big-endian integer (< 2^32 here).
  const rest = n - at;
  const end = rest + 9 <= 64 ? 64 : 128;
  // Byte loops, not fill/set: for under 128 bytes the builtins' call costs more than the bytes.
  for (let i = 0; i < rest; i++) padded[i] = data[at + i];
  for (let i = rest; i < end; i++) padded[i] = 0;
  padded[rest] = 0x80;
  const bits = n * 8;
  padded[end - 2] = bits >>> 8;
  padded[end - 1] = bits & 0xff;
  compress(padded, 0);
  if (end === 128) compress(padded, 64);
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 4; i++) out.writeInt32BE(H[i], 4 * i);
  return out;
}
