import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyAndDecrypt } from '../../src/radios/lora/lorawan/decoder';
import { FcntTracker } from '../../src/radios/lora/lorawan/fcnt';
import { parsePhyPayload, type DataFrame } from '../../src/radios/lora/lorawan/phy';
import { V, buildDataFrame } from './frames';

const keys = { nwkskey: V.nwkskey, appskey: V.appskey };
const parse = (b: Buffer): DataFrame => {
  const p = parsePhyPayload(b);
  assert.ok(p.ok);
  return p.frame as DataFrame;
};

test('first frame is taken at face value; later ones move ahead through the 16-bit roll-over', () => {
  const t = new FcntTracker();
  assert.equal(t.reconstruct('a', 65534), 65534);
  t.commit('a', { fcnt: 65534, reason: 'first' });
  assert.equal(t.reconstruct('a', 65535), 65535);
  t.commit('a', t.candidates('a', 65535)[0]);
  assert.equal(t.reconstruct('a', 0), 65536, 'wraps into the next epoch');
  t.commit('a', t.candidates('a', 0)[0]);
  assert.equal(t.reconstruct('a', 5), 65541);
  assert.equal(t.get('a'), 65536);
});

test('a late copy slightly behind maps to the past, not 65k ahead, and does not move the counter back', () => {
  const t = new FcntTracker();
  t.commit('a', { fcnt: 0x20005, reason: 'first' });
  const c = t.candidates('a', 0x0003);
  assert.deepEqual(c[0], { fcnt: 0x20003, reason: 'behind' });
  assert.equal(c[1].fcnt, 0x30003);
  t.commit('a', c[0]);
  assert.equal(t.get('a'), 0x20005);
  // Same low bits as the last value: a retransmission.
  assert.equal(t.reconstruct('a', 0x0005), 0x20005);
});

test('candidates offer a device reset (counter back to 0) last', () => {
  const t = new FcntTracker();
  t.commit('a', { fcnt: 0x50000 + 40000, reason: 'first' });
  const c = t.candidates('a', 3);
  assert.equal(c[c.length - 1].fcnt, 3);
  assert.equal(c[c.length - 1].reason, 'reset');
  t.commit('a', c[c.length - 1]);
  assert.equal(t.get('a'), 3, 'a verified reset moves the counter back');
});

test('tracker is an LRU bounded in size', () => {
  const t = new FcntTracker(100);
  for (let i = 0; i < 1000; i++) t.commit(`dev${i}`, { fcnt: i, reason: 'first' });
  assert.equal(t.size, 100);
  assert.equal(t.get('dev0'), undefined);
  assert.equal(t.get('dev999'), 999);
  // Touching an old entry keeps it.
  t.commit('dev900', { fcnt: 901, reason: 'ahead' });
  for (let i = 1000; i < 1099; i++) t.commit(`dev${i}`, { fcnt: i, reason: 'first' });
  assert.equal(t.get('dev900'), 901);
});

test('MIC over roll-overs: frames up to FCnt 131072 verify with the reconstructed 32-bit value', () => {
  const t = new FcntTracker();
  const devaddr = '26011bda';
  for (const fcnt32 of [65534, 65535, 65536, 65537, 70000, 131071, 131072]) {
    const payload = Buffer.from(`n${fcnt32}`);
    const f = parse(buildDataFrame({ devaddr, fcnt32, fport: 2, payload, ...keys }));
    assert.equal(f.fcnt16, fcnt32 & 0xffff);
    const v = verifyAndDecrypt(f, keys, t);
    assert.ok(v.ok, `fcnt ${fcnt32}`);
    assert.equal(v.fcnt.fcnt, fcnt32);
    assert.equal(v.plaintext.toString(), `n${fcnt32}`);
  }
});

test('MIC finds the right epoch even when the first guess is wrong (device reset, jump)', () => {
  const t = new FcntTracker();
  const devaddr = '26011bdb';
  const mk = (fcnt32: number): DataFrame => parse(buildDataFrame({ devaddr, fcnt32, fport: 1, payload: Buffer.from([1]), ...keys }));
  let v = verifyAndDecrypt(mk(0x10010), keys, t);
  assert.equal(v.ok, false, 'first frame past 65535 cannot be guessed without history');
  assert.ok(verifyAndDecrypt(mk(100), keys, t).ok);
  t.commit(`${devaddr}/up`, { fcnt: 0x20000 + 100, reason: 'ahead' });
  // A jump of 60000: the first guess ("a late copy 5536 behind") is wrong, the MIC picks "ahead".
  const jumped = 0x20000 + 100 + 60000;
  assert.equal(t.candidates(`${devaddr}/up`, jumped & 0xffff)[0].reason, 'behind');
  v = verifyAndDecrypt(mk(jumped), keys, t);
  assert.ok(v.ok);
  assert.equal(v.fcnt.fcnt, jumped);
  v = verifyAndDecrypt(mk(2), keys, t); // device restarted its counter
  assert.ok(v.ok);
  assert.equal(v.fcnt.fcnt, 2);
});
