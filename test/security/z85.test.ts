import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveKeyPair } from 'zeromq';
import { isZ85Key, z85Decode, z85Encode, Z85Error } from '../../src/security/z85';

test('Z85 RFC 32 test vector: 864FD26FB559F75B <-> HelloWorld', () => {
  const bytes = Buffer.from('864FD26FB559F75B', 'hex');
  assert.equal(z85Encode(bytes), 'HelloWorld');
  assert.deepEqual(z85Decode('HelloWorld'), bytes);
});

test('Z85 round-trips libzmq keys and edge values', () => {
  const { publicKey, secretKey } = curveKeyPair();
  for (const k of [publicKey, secretKey]) {
    const raw = z85Decode(k);
    assert.equal(raw.length, 32);
    assert.equal(z85Encode(raw), k);
    assert.ok(isZ85Key(k));
  }
  const edge = Buffer.from('00000000ffffffff80000000', 'hex');
  assert.deepEqual(z85Decode(z85Encode(edge)), edge);
  assert.equal(z85Encode(Buffer.from('ffffffff', 'hex')), '%nSc0');
});

test('Z85 rejects bad input with a clear error', () => {
  assert.throws(() => z85Encode(Buffer.alloc(3)), Z85Error);
  assert.throws(() => z85Decode('abcd'), /multiple of 5/);
  assert.throws(() => z85Decode('Hello Worl'), /invalid Z85 character " " at offset 5/);
  assert.throws(() => z85Decode('#####'), /overflows/);
  assert.equal(isZ85Key('HelloWorld'), false);
  assert.equal(isZ85Key('x'.repeat(39) + '"'), false);
});
