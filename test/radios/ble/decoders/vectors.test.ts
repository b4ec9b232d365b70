import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Advert } from '../../../../src/radios/ble/advert';
import { isFailure } from '../../../../src/radios/ble/advert';
import { advertFromOmg } from '../../../../src/radios/ble/decode-ble';
import { DECODERS, claimantOf, decodeAdvert } from '../../../../src/radios/ble/decoders/registry';
import type { KeyedDecoder } from '../../../../src/radios/ble/decoders/common';
import { expectFields } from './helpers';
import { ALL_VECTORS } from './vectors/index';

// Every model's vectors (test/radios/ble/decoders/vectors/<family>.ts) through the real input path
// of `lowband decode ble`, plus the claim check: exactly one decoder recognises each vector, and it
// is the one whose fmt the vector names.

function keysHit(d: KeyedDecoder, a: Advert): boolean {
  if (d.serviceUuids?.some((u) => a.serviceData.some((s) => s.uuid === u))) return true;
  const m = a.manufacturerData;
  if (m && m.length >= 2 && d.companyIds?.includes(m[0] | (m[1] << 8))) return true;
  const n = a.localName;
  if (n !== undefined && (d.localNames?.includes(n) || d.namePrefixes?.some((p) => n.startsWith(p)))) return true;
  return d.unkeyedManufacturer === true && m !== undefined;
}

for (const [family, vectors] of Object.entries(ALL_VECTORS)) {
  test(`vectors ${family}: each model decodes to the expected fields`, () => {
    for (const v of vectors) {
      const where = `${v.model}: ${JSON.stringify(v.input)}`;
      const a = advertFromOmg({ id: 'A4:C1:38:00:11:22', ...v.input });
      const ctx = { ...(v.ctx?.model ? { model: v.ctx.model } : {}), ...(v.ctx?.bindkey ? { bindkey: Buffer.from(v.ctx.bindkey, 'hex') } : {}) };
      const r = decodeAdvert(a, ctx);
      assert.ok(r, `${where}: not recognised`);
      assert.equal(r.fmt, v.fmt, where);
      if ('error' in v.expect) {
        assert.ok(isFailure(r), where);
        assert.equal(r.error, v.expect.error, where);
      } else {
        assert.ok(!isFailure(r), `${where}: ${JSON.stringify(r)}`);
        const present = Object.fromEntries(Object.entries(v.expect).filter(([, x]) => x !== null));
        expectFields(r.fields, present);
        for (const [k, x] of Object.entries(v.expect)) if (x === null) assert.ok(!(k in r.fields), `${where}: ${k} must be absent`);
      }
    }
  });

  test(`vectors ${family}: claimed by exactly the decoder of their fmt`, () => {
    for (const v of vectors) {
      const a = advertFromOmg({ id: 'A4:C1:38:00:11:22', ...v.input });
      const claim = DECODERS.filter((d) => keysHit(d, a) && d.matches(a)).map((d) => d.fmt);
      assert.deepEqual(claim, [v.fmt], `${v.model}: ${JSON.stringify(v.input)}`);
      assert.equal(claimantOf(a)?.fmt, v.fmt);
    }
  });
}

test('vectors: every vector names its source and model', () => {
  let n = 0;
  for (const vectors of Object.values(ALL_VECTORS)) {
    for (const v of vectors) {
      assert.ok(v.source.length > 10 && v.model.length > 0, JSON.stringify(v));
      n++;
    }
  }
  assert.ok(n >= Object.keys(ALL_VECTORS).length);
});
