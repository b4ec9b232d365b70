import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFrames, encodeFrames, headerSeq, withRedelivery, WireError, Flag } from '../../src/wire/message';

const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

test('header layout: 36 bytes, big-endian, fields at the spec offsets', () => {
  const [t, h, b] = encodeFrames('lora/49be7df1', 1, 1, Flag.decoded | Flag.authenticated, 0x0102030405060708n, 1_700_000_000_123_456, key, { gw: 'g' });
  assert.equal(t.toString(), 'lora/49be7df1');
  assert.equal(h.length, 36);
  assert.equal(h.toString('hex'),
    '01' + '01' + '01' + '03' + '0102030405060708' + (1_700_000_000_123_456).toString(16).padStart(16, '0') + key.toString('hex'));
  assert.equal(headerSeq(h), 0x0102030405060708n);
  const m = decodeFrames([t, h, b]);
  assert.equal(m.seq, 0x0102030405060708n);
  assert.equal(m.timeUs, 1_700_000_000_123_456n);
  assert.deepEqual(m.key, key);
  assert.deepEqual(m.body, { gw: 'g' });
});

test('the seq field is the same 8 big-endian bytes on both sides of 2^53 (number and BigInt paths)', () => {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  for (const seq of [0n, 1n, 0xffffffffn, 0x1_0000_0000n, 0x1_0000_0001n, max - 1n, max, max + 1n, 2n ** 63n, 2n ** 64n - 1n]) {
    const [, h] = encodeFrames('sys/x', 2, 0, 0, seq, 1, key, {});
    const want = Buffer.alloc(8);
    want.writeBigUInt64BE(seq);
    assert.equal(h.subarray(4, 12).toString('hex'), want.toString('hex'), `seq ${seq}`);
    assert.equal(headerSeq(h), seq);
  }
});

test('redelivery copies the header and sets bit 2 only', () => {
  const [, h] = encodeFrames('ble/a4c138d5d498', 1, 2, 1, 7n, 1, key, { gw: 'g' });
  const r = withRedelivery(h);
  assert.equal(r[3], 1 | 4);
  assert.equal(h[3], 1, 'original untouched');
});

test('bad frames are refused with WireError', () => {
  const [t, h, b] = encodeFrames('sys/online', 2, 0, 0, 1n, 1, key, { gw: 'g' });
  assert.throws(() => decodeFrames([t, h]), WireError);
  assert.throws(() => decodeFrames([t, h.subarray(0, 35), b]), WireError);
  const v2 = Buffer.from(h);
  v2[0] = 2;
  assert.throws(() => decodeFrames([t, v2, b]), WireError);
  assert.throws(() => decodeFrames([t, h, Buffer.from('83010203', 'hex')]), /not a map/);
  assert.throws(() => decodeFrames([Buffer.alloc(65, 0x61), h, b]), WireError);
  assert.throws(() => encodeFrames('x'.repeat(65), 1, 1, 0, 1n, 1, key, {}), WireError);
});

test('messages carved from the frame slab stay intact and apart, across a large one and a full slab', () => {
  const key = Buffer.alloc(16, 0xab);
  const sent: { topic: string; pad: string; frames: Buffer[] }[] = [];
  // Small ones fill several 64 KiB slabs; a 20 KiB one gets its own buffer in between.
  for (let i = 0; i < 1200; i++) {
    const pad = i === 600 ? 'x'.repeat(20_000) : `p${i}`.repeat(i % 7);
    const topic = `ble/dev${i}`;
    sent.push({ topic, pad, frames: encodeFrames(topic, 1, 2, 0, BigInt(i + 1), 1_700_000_000_000_000 + i, key, { pad, i }) });
  }
  for (const [i, s] of sent.entries()) {
    const m = decodeFrames(s.frames);
    assert.equal(m.topic, s.topic);
    assert.equal(m.seq, BigInt(i + 1));
    assert.deepEqual(m.key, key);
    assert.deepEqual(m.body, { pad: s.pad, i });
  }
  assert.notEqual(sent[600].frames[0].buffer, sent[599].frames[0].buffer, 'a large message gets a buffer of its own');
  assert.notEqual(sent[601].frames[0].buffer, sent[600].frames[0].buffer, 'the message after it is not in the large one');
  assert.notEqual(sent[601].frames[0].buffer, sent[599].frames[0].buffer, 'and starts a fresh slab');
  assert.equal(sent[602].frames[0].buffer, sent[601].frames[0].buffer, 'which the next ones share');
});
