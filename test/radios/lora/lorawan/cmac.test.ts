import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aesCmac } from '../../../../src/radios/lora/lorawan/cmac';

// RFC 4493 section 4 test vectors.
const K = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
const M = Buffer.from(
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
  'hex',
);

test('AES-CMAC matches RFC 4493 examples 1-4 (empty, one block, partial last block, four blocks)', () => {
  assert.equal(aesCmac(K, M.subarray(0, 0)).toString('hex'), 'bb1d6929e95937287fa37d129b756746');
  assert.equal(aesCmac(K, M.subarray(0, 16)).toString('hex'), '070a16b46b4d4144f79bdd9dd04a287c');
  assert.equal(aesCmac(K, M.subarray(0, 40)).toString('hex'), 'dfa66747de9ae63030ca32611497c827');
  assert.equal(aesCmac(K, M.subarray(0, 64)).toString('hex'), '51f0bebf7e3b9d92fc49741779363cfe');
});

test('AES-CMAC does not modify its input and depends on every byte', () => {
  const msg = Buffer.from(M.subarray(0, 40));
  const before = msg.toString('hex');
  const tag = aesCmac(K, msg);
  assert.equal(msg.toString('hex'), before);
  msg[39] ^= 1;
  assert.notEqual(aesCmac(K, msg).toString('hex'), tag.toString('hex'));
});
