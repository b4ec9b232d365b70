import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cayenneCodec } from '../../../../src/codecs/index';
import { decodeLoraLine, KeySpecError, parseDevaddrKeys } from '../../../../src/radios/lora/lorawan/decode-line';
import { V, buildDataFrame } from './frames';

const SPEC = `49BE7DF1:${V.nwkskey.toString('hex')}:${V.appskey.toString('hex')}`;

test('parseDevaddrKeys reads DEVADDR:NWKSKEY:APPSKEY[,...] (DevAddr lowercased)', () => {
  const keys = parseDevaddrKeys(`${SPEC}, 26011bda:${'00'.repeat(16)}:${'11'.repeat(16)}`);
  assert.equal(keys.length, 2);
  assert.equal(keys[0].devaddr, '49be7df1');
  assert.deepEqual(keys[0].nwkskey, V.nwkskey);
  assert.deepEqual(keys[1].appskey, Buffer.alloc(16, 0x11));
});

test('parseDevaddrKeys refuses malformed specs without echoing keys', () => {
  const secret = 'ab'.repeat(15) + 'zz';
  for (const bad of ['', '49be7df1', `49be7df1:${secret}:${'00'.repeat(16)}`, `49be7df:${'00'.repeat(16)}:${'00'.repeat(16)}`, `a:b:c:d`]) {
    assert.throws(() => parseDevaddrKeys(bad), (e: Error) => e instanceof KeySpecError && !e.message.includes(secret));
  }
});

test('vector frames decode with keys: MIC ok, plaintext, text', () => {
  const keys = parseDevaddrKeys(SPEC);
  const session = {};
  const out = decodeLoraLine(V.frames[2].phy, keys, session) as Record<string, unknown>;
  assert.equal(out.mtype, 'UnconfirmedDataUp');
  assert.equal(out.devaddr, '49be7df1');
  assert.equal(out.fcnt, 4);
  assert.equal(out.fport, 1);
  assert.equal(out.mic, '0af3c5e7');
  assert.equal(out.mic_ok, true);
  assert.equal(out.text, 'The quick brown fox jumps over the lazy dog.');
  const first = decodeLoraLine(`  ${V.frames[0].phy.toLowerCase()}  \n`, keys) as Record<string, unknown>;
  assert.equal(first.plaintext, '74657374');
  assert.deepEqual(JSON.parse(JSON.stringify(first)), first, 'JSON-ready');
});

test('without keys the header is shown; with a wrong key mic_ok is false and no plaintext', () => {
  const none = decodeLoraLine(V.frames[0].phy, []) as Record<string, unknown>;
  assert.equal(none.devaddr, '49be7df1');
  assert.equal(none.mic_ok, undefined);
  assert.equal(none.frmpayload, '95437876');
  const wrong = parseDevaddrKeys(`49be7df1:${'00'.repeat(16)}:${V.appskey.toString('hex')}`);
  const out = decodeLoraLine(V.frames[0].phy, wrong) as Record<string, unknown>;
  assert.equal(out.mic_ok, false);
  assert.equal(out.plaintext, undefined);
});

test('join request line, with the AppKey checking its MIC', () => {
  const out = decodeLoraLine(V.join.phy, [], { appkeys: [V.join.appkey] }) as Record<string, unknown>;
  assert.equal(out.mtype, 'JoinRequest');
  assert.equal(out.deveui, '3331383274356905');
  assert.equal(out.joineui, 'aa13693363343639');
  assert.equal(out.mic_ok, true);
});

test('codec attached to keys yields fields', () => {
  const keys = parseDevaddrKeys(SPEC).map((k) => ({ ...k, codec: cayenneCodec }));
  const phy = buildDataFrame({ devaddr: '49be7df1', fcnt32: 9, fport: 3, payload: Buffer.from('0167ffd7', 'hex'), nwkskey: V.nwkskey, appskey: V.appskey });
  const out = decodeLoraLine(phy.toString('hex'), keys) as Record<string, unknown>;
  assert.equal(out.fmt, 'cayenne');
  assert.deepEqual(out.fields, { temperature_1: -4.1 });
});

test('invalid hex and short frames give {error}', () => {
  for (const line of ['', 'zz', '4', '40f17d', '41' + '00'.repeat(20)]) {
    const out = decodeLoraLine(line, []) as Record<string, unknown>;
    assert.equal(typeof out.error, 'string', line);
  }
});
