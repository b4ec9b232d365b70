/**
 * Z85 (ZeroMQ RFC 32): the printable form of CurveZMQ keys. zeromq.js exposes no codec,
 * and the ZAP handler receives raw 32-byte keys that we compare with allow-list text.
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Z85 text that does not decode (wrong length or a character outside the alphabet). */
export class Z85Error extends Error {}

/** Encode bytes (length a multiple of 4) as Z85 text. */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new Z85Error(`Z85 input length must be a multiple of 4, got ${data.length}`);
  let out = '';
  for (let i = 0; i < data.length; i += 4) {
    // Multiply instead of shifting: `<<` would go negative for the top byte.
    let value = ((data[i] * 256 + data[i + 1]) * 256 + data[i + 2]) * 256 + data[i + 3];
    const chunk = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chunk[j] = ALPHABET[value % 85];
      value = Math.floor(value / 85);
    }
    out += chunk.join('');
  }
  return out;
}

/** Decode Z85 text (length a multiple of 5) to bytes. */
export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new Z85Error(`Z85 text length must be a multiple of 5, got ${text.length}`);
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? DECODE[code] : -1;
      if (digit < 0) throw new Z85Error(`invalid Z85 character ${JSON.stringify(text[i + j])} at offset ${i + j}`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new Z85Error(`Z85 group at offset ${i} overflows 32 bits`);
    out.writeUInt32BE(value, o);
  }
  return out;
}

/** True when `text` is a 40-character Z85 CurveZMQ key. */
export function isZ85Key(text: string): boolean {
  if (text.length !== 40) return false;
  try {
    z85Decode(text);
    return true;
  } catch {
    return false;
  }
}
