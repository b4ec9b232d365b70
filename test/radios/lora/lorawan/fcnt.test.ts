import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyAndDecrypt } from '../../../../src/radios/lora/lorawan/decoder';
import { FcntTracker } from '../../../../src/radios/lora/lorawan/fcnt';
import { searchFcntEpoch } from '../../../../src/radios/lora/lorawan/fcnt-search';
import { parsePhyPayload, type DataFrame } from '../../../../src/radios/lora/lorawan/phy';
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

test('candidates offer a device reset (counter back to 0) last; it stays pending until the next in-order frame', () => {
  const t = new FcntTracker();
  t.commit('a', { fcnt: 0x50000 + 40000, reason: 'first' });
  const c = t.candidates('a', 3);
  assert.equal(c[c.length - 1].fcnt, 3);
  assert.equal(c[c.length - 1].reason, 'reset');
  assert.equal(t.commit('a', c[c.length - 1]), 'pending-reset');
  assert.equal(t.get('a'), 0x50000 + 40000, 'a lone old frame does not move the counter back');
  assert.ok(t.resetPending('a'));
  const next = t.candidates('a', 4).find((x) => x.reason === 'confirm');
  assert.deepEqual(next, { fcnt: 4, reason: 'confirm' });
  assert.equal(t.commit('a', next), 'accepted');
  assert.equal(t.get('a'), 4, 'a confirmed reset moves the counter back');
  assert.equal(t.resetPending('a'), false);
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

test('MIC finds the right epoch even when the first guess is wrong (search, jump, device reset)', () => {
  const t = new FcntTracker();
  const devaddr = '26011bdb';
  const mk = (fcnt32: number): DataFrame => parse(buildDataFrame({ devaddr, fcnt32, fport: 1, payload: Buffer.from([1]), ...keys }));
  let v = verifyAndDecrypt(mk(0x10010), keys, t);
  assert.ok(v.ok, 'first frame past 65535 is found by the upper-16-bit search');
  assert.deepEqual(v.fcnt, { fcnt: 0x10010, reason: 'search' });
  assert.equal(v.searched, true);
  t.commit(`${devaddr}/up`, { fcnt: 0x20000 + 100, reason: 'ahead' });
  // A jump of 60000: the first guess ("a late copy 5536 behind") is wrong, the MIC picks "ahead".
  const jumped = 0x20000 + 100 + 60000;
  assert.equal(t.candidates(`${devaddr}/up`, jumped & 0xffff)[0].reason, 'behind');
  v = verifyAndDecrypt(mk(jumped), keys, t);
  assert.ok(v.ok);
  assert.equal(v.fcnt.fcnt, jumped);
  v = verifyAndDecrypt(mk(2), keys, t); // device restarted its counter: pending until the next frame
  assert.equal(v.ok, false);
  assert.ok(!v.ok && v.replay);
  v = verifyAndDecrypt(mk(3), keys, t);
  assert.ok(v.ok);
  assert.deepEqual(v.fcnt, { fcnt: 3, reason: 'confirm' });
});

const DEV = '26011bdd';
const KEY = `${DEV}/up`;
const frame = (fcnt32: number, k = keys): DataFrame => parse(buildDataFrame({ devaddr: DEV, fcnt32, fport: 1, payload: Buffer.from(`p${fcnt32}`), ...k }));

test('one replayed old frame is not authenticated and does not break the genuine counter (review finding)', () => {
  const t = new FcntTracker();
  for (let f = 0; f <= 100_000; f += 10_000) assert.ok(verifyAndDecrypt(frame(f), keys, t).ok, `fcnt ${f}`);
  const replay = verifyAndDecrypt(frame(5), keys, t);
  assert.equal(replay.ok, false, 'a recorded frame with FCnt 5 is not taken as authenticated');
  assert.ok(!replay.ok && replay.replay);
  assert.equal(t.get(KEY), 100_000);
  for (const f of [100_001, 100_002, 110_000]) {
    const v = verifyAndDecrypt(frame(f), keys, t);
    assert.ok(v.ok, `genuine fcnt ${f} still verifies`);
    assert.equal(v.fcnt.fcnt, f);
    assert.equal(v.plaintext.toString(), `p${f}`);
  }
});

test('a replayed old frame in a low epoch (counter < 65536) is caught the same way', () => {
  const t = new FcntTracker();
  for (const f of [30_000, 40_000]) assert.ok(verifyAndDecrypt(frame(f), keys, t).ok);
  const v = verifyAndDecrypt(frame(7), keys, t);
  assert.ok(!v.ok && v.replay);
  assert.ok(verifyAndDecrypt(frame(40_001), keys, t).ok);
  // A late copy a little behind is not a replay.
  const late = verifyAndDecrypt(frame(39_990), keys, t);
  assert.ok(late.ok);
  assert.equal(late.fcnt.reason, 'behind');
  assert.equal(t.get(KEY), 40_001);
});

test('a genuine device restart: the first frame is held back, the second in-order frame confirms the reset', () => {
  const t = new FcntTracker();
  assert.ok(verifyAndDecrypt(frame(100_000), keys, t).ok);
  const first = verifyAndDecrypt(frame(0), keys, t);
  assert.ok(!first.ok && first.replay);
  const dup = verifyAndDecrypt(frame(0), keys, t);
  assert.ok(!dup.ok && dup.replay, 'a duplicate of the pending frame does not confirm it');
  const second = verifyAndDecrypt(frame(1), keys, t);
  assert.ok(second.ok);
  assert.equal(second.fcnt.fcnt, 1);
  for (const f of [2, 3, 60_000]) assert.ok(verifyAndDecrypt(frame(f), keys, t).ok, `fcnt ${f}`);
  assert.equal(t.get(KEY), 60_000);
});

test('two replayed in-order frames confirm a "reset", but the next genuine frame above the old counter undoes it', () => {
  const t = new FcntTracker();
  assert.ok(verifyAndDecrypt(frame(100_000), keys, t).ok);
  assert.equal(verifyAndDecrypt(frame(5), keys, t).ok, false);
  assert.ok(verifyAndDecrypt(frame(6), keys, t).ok, 'indistinguishable from a device restart');
  const v = verifyAndDecrypt(frame(100_001), keys, t);
  assert.ok(v.ok, 'genuine traffic keeps verifying');
  assert.deepEqual(v.fcnt, { fcnt: 100_001, reason: 'revert' });
  assert.equal(t.get(KEY), 100_001);
  assert.ok(verifyAndDecrypt(frame(100_002), keys, t).ok);
});

test('search after a gap of more than one roll-over with known state; an old frame found by search is a replay', () => {
  const t = new FcntTracker();
  assert.ok(verifyAndDecrypt(frame(100), keys, t, 0).ok);
  const far = verifyAndDecrypt(frame(100 + 200_000), keys, t, 1000);
  assert.ok(far.ok && far.searched);
  assert.equal(far.fcnt.fcnt, 200_100);
  const t2 = new FcntTracker();
  assert.ok(verifyAndDecrypt(frame(300_000), keys, t2, 0).ok);
  const old = verifyAndDecrypt(frame(70_000), keys, t2, 61_000);
  assert.ok(!old.ok && old.replay && old.searched, 'found far behind: not authenticated');
  assert.equal(t2.get(KEY), 300_000);
});

test('the search is bounded: once a minute per device and a few per second overall', () => {
  const wrong = { nwkskey: V.appskey, appskey: V.appskey };
  const t = new FcntTracker();
  const a = verifyAndDecrypt(frame(70_000, wrong), keys, t, 10_000);
  assert.ok(!a.ok && a.searched && !a.replay, 'wrong key: searched once, nothing found');
  const b = verifyAndDecrypt(frame(70_001, wrong), keys, t, 10_500);
  assert.ok(!b.ok && !b.searched, 'not repeated within a minute');
  const c = verifyAndDecrypt(frame(70_002, wrong), keys, t, 70_001);
  assert.ok(!c.ok && c.searched, 'repeated after a minute');
  const g = new FcntTracker();
  const granted = Array.from({ length: 10 }, (_, i) => g.claimSearch(`dev${i}`, 5000)).filter(Boolean).length;
  assert.equal(granted, 2, 'global cap per second');
  assert.equal(g.claimSearch('dev9', 6001), true, 'next second');
});

test('searchFcntEpoch recovers the upper 16 bits, up to the top of the counter space', () => {
  for (const f of [0x10000, 70_000, 0xfffe0005]) {
    assert.equal(searchFcntEpoch(keys.nwkskey, frame(f)), f);
  }
  assert.equal(searchFcntEpoch(V.appskey, frame(70_000)), undefined, 'wrong key: nothing');
  const long = parse(buildDataFrame({ devaddr: DEV, fcnt32: 0x123456, fport: 3, payload: Buffer.alloc(48, 1), ...keys }));
  assert.equal(searchFcntEpoch(keys.nwkskey, long), 0x123456, 'payload ending on a block boundary (K1 path)');
});
