import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cryptFrmPayload, dataMic, verifyDataMic, verifyJoinRequestMic } from '../../../../src/radios/lora/lorawan/crypto';
import { parsePhyPayload, type DataFrame, type JoinRequestFrame } from '../../../../src/radios/lora/lorawan/phy';
import { V } from './frames';

const frame = (hex: string): DataFrame => {
  const p = parsePhyPayload(Buffer.from(hex, 'hex'));
  assert.ok(p.ok);
  return p.frame as DataFrame;
};

test('MIC of every public vector frame verifies with the NwkSKey (uplink and downlink B0)', () => {
  for (const v of V.frames) {
    const f = frame(v.phy);
    assert.equal(dataMic(V.nwkskey, f, v.fcnt).toString('hex'), v.mic);
    assert.equal(verifyDataMic(V.nwkskey, f, v.fcnt), true);
  }
});

test('FRMPayload decrypts to the published plaintext with the AppSKey', () => {
  for (const v of V.frames) {
    const f = frame(v.phy);
    assert.equal(cryptFrmPayload(V.appskey, f, v.fcnt).toString('hex'), v.plaintext);
  }
  assert.equal(cryptFrmPayload(V.appskey, frame(V.frames[2].phy), 4).toString(), 'The quick brown fox jumps over the lazy dog.');
});

test('wrong AppSKey: the MIC still verifies (it uses the NwkSKey) but the plaintext differs', () => {
  const f = frame(V.frames[0].phy);
  assert.equal(verifyDataMic(V.nwkskey, f, 2), true);
  const wrong = cryptFrmPayload(V.wrongAppskey, f, 2).toString('hex');
  assert.equal(wrong, V.wrongAppskeyPlain);
  assert.notEqual(wrong, V.frames[0].plaintext);
});

test('wrong NwkSKey, wrong FCnt or a flipped bit fails the MIC', () => {
  const f = frame(V.frames[0].phy);
  const wrongNwk = Buffer.from(V.nwkskey);
  wrongNwk[15] ^= 0x01;
  assert.equal(verifyDataMic(wrongNwk, f, 2), false);
  assert.equal(verifyDataMic(V.nwkskey, f, 3), false);
  assert.equal(verifyDataMic(V.nwkskey, f, 0x10002), false, 'upper FCnt bits are part of B0');
  const bad = Buffer.from(V.frames[0].phy, 'hex');
  bad[9] ^= 0x80;
  assert.equal(verifyDataMic(V.nwkskey, frame(bad.toString('hex')), 2), false);
});

test('join request MIC verifies with the AppKey and fails with another key', () => {
  const p = parsePhyPayload(Buffer.from(V.join.phy, 'hex'));
  assert.ok(p.ok);
  const f = p.frame as JoinRequestFrame;
  assert.equal(verifyJoinRequestMic(V.join.appkey, f), true);
  assert.equal(verifyJoinRequestMic(V.nwkskey, f), false);
});

test('FPort 0 payloads use the NwkSKey keystream (encrypt/decrypt round trip)', () => {
  const f = frame(V.frames[0].phy);
  const plain = Buffer.from('0203', 'hex');
  const enc = cryptFrmPayload(V.nwkskey, f, 2, plain);
  assert.notEqual(enc.toString('hex'), plain.toString('hex'));
  assert.equal(cryptFrmPayload(V.nwkskey, f, 2, enc).toString('hex'), '0203');
  assert.notEqual(cryptFrmPayload(V.appskey, f, 2, enc).toString('hex'), '0203');
});
