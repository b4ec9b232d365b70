/**
 * Strict base64 (RFC 4648, standard alphabet) for `rxpk.data`, decoded in JavaScript.
 *
 * Why not Buffer.from(s, 'base64'): every rxpk carries one short string (a LoRa frame is at
 * most 255 bytes, usually 20-60), and the profile of the UDP path had that call at ~5 % of the
 * main thread: a crossing into native code per packet, plus a regular expression to reject what
 * Node would silently skip. This loop validates and decodes in one pass, with the same rules as
 * before: only the alphabet, at most two `=` and only at the end, padding optional, and a
 * length that is not 1 more than a multiple of 4.
 */

const INVALID = 255;
const VALUES = new Uint8Array(128).fill(INVALID);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

const EQUALS = 0x3d;

/** The bytes of a base64 string, or undefined when it is not strict base64. */
export function decodeBase64(s: string): Buffer | undefined {
  let end = s.length;
  if (end % 4 === 1) return undefined;
  // Up to two '=' at the very end; none anywhere else (the loop below rejects those).
  if (end > 0 && s.charCodeAt(end - 1) === EQUALS) end--;
  if (end > 0 && s.charCodeAt(end - 1) === EQUALS) end--;
  const whole = end >> 2;
  const tail = end & 3;
  // A lone symbol after whole quads carries fewer than 8 bits: no byte, as Node decodes it.
  const out = Buffer.allocUnsafe(whole * 3 + (tail === 0 ? 0 : tail - 1));
  let o = 0;
  let i = 0;
  for (let q = 0; q < whole; q++, i += 4) {
    const a = sym(s, i), b = sym(s, i + 1), c = sym(s, i + 2), d = sym(s, i + 3);
    // Symbols are 0..63, INVALID is 255: one test for all four.
    if ((a | b | c | d) > 63) return undefined;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 0x0f) << 4) | (c >> 2);
    out[o++] = ((c & 0x03) << 6) | d;
  }
  if (tail > 0) {
    const a = sym(s, i);
    if (a > 63) return undefined;
    if (tail >= 2) {
      const b = sym(s, i + 1);
      if (b > 63) return undefined;
      out[o++] = (a << 2) | (b >> 4);
      if (tail === 3) {
        const c = sym(s, i + 2);
        if (c > 63) return undefined;
        out[o++] = ((b & 0x0f) << 4) | (c >> 2);
      }
    }
  }
  return out;
}

function sym(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? VALUES[c] : INVALID;
}
