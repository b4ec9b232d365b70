// rxpk.data decoding against what the adapter accepted before (Node's decoder behind a strict
// check), on random strings built to hit every rule: alphabet, padding, length, stray '='.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeBase64 } from '../../../src/radios/udp/base64';

const STRICT = /^[A-Za-z0-9+/]*={0,2}$/;
const reference = (s: string): Buffer | undefined => (s.length % 4 === 1 || !STRICT.test(s) ? undefined : Buffer.from(s, 'base64'));

test('what Node encodes decodes to the same bytes, padded or not', () => {
  for (let n = 0; n <= 300; n++) {
    const b = randomBytes(n);
    const s = b.toString('base64');
    assert.deepEqual(decodeBase64(s), b, `padded, ${n} bytes`);
    assert.deepEqual(decodeBase64(s.replace(/=+$/, '')), b, `unpadded, ${n} bytes`);
  }
  assert.deepEqual(decodeBase64(''), Buffer.alloc(0));
  assert.deepEqual(decodeBase64('AQID'), Buffer.from([1, 2, 3]));
});

test('accepts and rejects exactly what the strict check did, with the same bytes (200,000 random strings)', () => {
  const pieces = ['A', 'Q', 'z', '0', '9', '+', '/', '=', '==', '-', '_', ' ', '\n', '.', 'é', '\u0100', 'AAAA', 'AQ=='];
  for (let k = 0; k < 200_000; k++) {
    let s = '';
    const len = k % 13;
    for (let j = 0; j < len; j++) s += pieces[(k * 7 + j * 13 + (k >> 3) * j) % pieces.length];
    if (k % 5 === 0) s += '='.repeat(k % 4);
    const want = reference(s);
    const got = decodeBase64(s);
    assert.deepEqual(got, want, JSON.stringify(s));
  }
});

test('edge cases: lone trailing symbols, padding in the middle, too much padding', () => {
  for (const s of ['A', 'AAAAA', '====', 'A===', 'AA=A', 'AQ==AQ==', '=AAA', 'AQI==', 'AQ=', 'A==', 'AAAAA=', 'AAA=', 'AA==']) {
    assert.deepEqual(decodeBase64(s), reference(s), JSON.stringify(s));
  }
});
