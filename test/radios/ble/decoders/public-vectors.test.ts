import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFailure } from '../../../../src/radios/ble/advert';
import { decodeAdvert } from '../../../../src/radios/ble/decoders/registry';
import vectors from './public-vectors.json';
import { expectFields, mfgAdvert, ok, svcAdvert } from './helpers';

const enc = vectors.bthome_v2.encrypted;
const encMac = enc.mac.replace(/:/g, '').toLowerCase();
const encKey = Buffer.from(enc.key, 'hex');

test('bthome v2 plain vectors decode to the expected fields', () => {
  for (const v of vectors.bthome_v2.plain) {
    const r = ok(decodeAdvert(svcAdvert('fcd2', v.svc), {}), 'bthome');
    expectFields(r.fields, v.expect);
    assert.equal(r.authenticated, undefined);
  }
});

test('bthome v2 plain: packet id is the counter', () => {
  const r = ok(decodeAdvert(svcAdvert('fcd2', '400009015d025d0903b718'), {}));
  assert.equal(r.counter, 9);
  assert.equal(r.fields.packet_id, 9);
});

test('bthome v2 encrypted vectors decrypt with the key and the MAC', () => {
  for (const c of enc.cases) {
    const svc = 'svc' in c && c.svc ? c.svc : (c as { svc_with_uuid: string }).svc_with_uuid.slice(4);
    const r = ok(decodeAdvert(svcAdvert('fcd2', svc, encMac), { bindkey: encKey }), 'bthome');
    expectFields(r.fields, c.expect);
    assert.equal(r.authenticated, true);
    if ('counter' in c) assert.equal(r.counter, c.counter);
  }
});

test('bthome v2 encrypted vector given with its uuid prefix: uuid d2fc and counter 1122867', () => {
  const c = enc.cases[0] as { svc_with_uuid: string; counter: number };
  assert.equal(c.svc_with_uuid.slice(0, 4), 'd2fc');
  const r = ok(decodeAdvert(svcAdvert('fcd2', c.svc_with_uuid.slice(4), encMac), { bindkey: encKey }));
  assert.equal(r.counter, 1122867);
  assert.equal(r.payload.toString('hex'), c.svc_with_uuid.slice(4));
});

test('bthome v2 encrypted: wrong bindkey → auth_failed, no key → no_key, wrong MAC → auth_failed', () => {
  const svc = enc.cases[1].svc as string;
  const wrong = Buffer.from(encKey);
  wrong[0] ^= 1;
  assert.deepEqual(decodeAdvert(svcAdvert('fcd2', svc, encMac), { bindkey: wrong }), { fmt: 'bthome', error: 'auth_failed' });
  assert.deepEqual(decodeAdvert(svcAdvert('fcd2', svc, encMac), {}), { fmt: 'bthome', error: 'no_key' });
  assert.deepEqual(decodeAdvert(svcAdvert('fcd2', svc, 'a4c138d5d498'), { bindkey: encKey }), { fmt: 'bthome', error: 'auth_failed' });
});

test('bthome v2 encrypted: counter at or below lastCounter → replay; above → accepted', () => {
  const c = enc.cases[0] as { svc_with_uuid: string; counter: number };
  const a = svcAdvert('fcd2', c.svc_with_uuid.slice(4), encMac);
  assert.deepEqual(decodeAdvert(a, { bindkey: encKey, lastCounter: c.counter }), { fmt: 'bthome', error: 'replay' });
  assert.deepEqual(decodeAdvert(a, { bindkey: encKey, lastCounter: c.counter + 5 }), { fmt: 'bthome', error: 'replay' });
  ok(decodeAdvert(a, { bindkey: encKey, lastCounter: c.counter - 1 }));
});

test('bthome v2 encrypted: a flipped ciphertext or MIC bit → auth_failed', () => {
  const svc = Buffer.from(enc.cases[1].svc as string, 'hex');
  for (const at of [1, svc.length - 1, svc.length - 6]) {
    const t = Buffer.from(svc);
    t[at] ^= 0x80;
    const r = decodeAdvert({ mac: encMac, rssi: 0, serviceData: [{ uuid: 'fcd2', data: t }] }, { bindkey: encKey });
    assert.ok(r && isFailure(r), `byte ${at}`);
    assert.equal(r.error, 'auth_failed');
  }
});

test('ruuvi RAWv2 official vectors, incl. the all-not-available frame', () => {
  for (const c of vectors.ruuvi_rawv2.cases) {
    const r = ok(decodeAdvert(mfgAdvert('9904' + c.mfg), {}), 'ruuvi5');
    if (typeof c.expect === 'string') {
      assert.deepEqual(r.fields, {});
      assert.equal(r.counter, undefined);
    } else {
      expectFields(r.fields, c.expect);
      assert.equal(r.counter, c.expect.measurement_seq);
    }
  }
});

test('ruuvi RAWv2 valid vector also decodes acceleration and nothing unexpected', () => {
  const r = ok(decodeAdvert(mfgAdvert('9904' + vectors.ruuvi_rawv2.cases[0].mfg), {}));
  assert.deepEqual(Object.keys(r.fields).sort(), Object.keys(vectors.ruuvi_rawv2.cases[0].expect as object).sort());
});

test('atc1441 and pvvx vectors', () => {
  for (const c of vectors.atc_pvvx.cases) {
    const r = ok(decodeAdvert(svcAdvert('181a', c.svc), {}), c.fmt);
    expectFields(r.fields, c.expect);
    const b = Buffer.from(c.svc, 'hex');
    assert.equal(r.counter, c.fmt === 'atc1441' ? b[12] : b[13]);
  }
});

test('ibeacon vector', () => {
  const r = ok(decodeAdvert(mfgAdvert(vectors.ibeacon.mfg), {}), 'ibeacon');
  assert.deepEqual(r.fields, vectors.ibeacon.expect);
});
