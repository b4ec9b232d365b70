// The JavaScript SHA-256 of short messages against node:crypto (OpenSSL) and the FIPS 180-4 examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { JS_MAX_BYTES, sha256Prefix16 } from '../../src/core/sha256';

const openssl = (b: Uint8Array) => createHash('sha256').update(b).digest().subarray(0, 16);

test('the FIPS 180-4 examples: "abc" and the 56-byte two-block message', () => {
  assert.equal(sha256Prefix16(Buffer.from('abc')).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223');
  const two = Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
  assert.equal(sha256Prefix16(two).toString('hex'), '248d6a61d20638b8e5c026930c3e6039');
  assert.equal(sha256Prefix16(Buffer.alloc(0)).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb924');
});

test('every length from 0 to past the OpenSSL threshold matches node:crypto, on random and edge bytes', () => {
  for (let n = 0; n <= JS_MAX_BYTES + 200; n++) {
    for (const data of [randomBytes(n), Buffer.alloc(n, 0xff), Buffer.alloc(n, 0)]) {
      assert.deepEqual(sha256Prefix16(data), openssl(data), `length ${n}`);
    }
  }
});

test('a view into a larger buffer, or its first n bytes, hashes only those bytes; results do not share memory', () => {
  const big = randomBytes(300);
  const view = big.subarray(17, 17 + 53);
  const a = sha256Prefix16(view);
  const b = sha256Prefix16(big.subarray(100, 150));
  assert.deepEqual(a, openssl(view));
  assert.deepEqual(b, openssl(big.subarray(100, 150)));
  for (const n of [0, 1, 55, 56, 64, 119, 120, 200]) assert.deepEqual(sha256Prefix16(big, n), openssl(big.subarray(0, n)), `first ${n} bytes`);
  assert.equal(a.length, 16);
  // Changing one result leaves the other (and a fresh hash of the same bytes) as they were.
  const bBefore = Buffer.from(b);
  a.fill(0);
  assert.deepEqual(b, bBefore);
  assert.deepEqual(sha256Prefix16(view), openssl(view));
});
