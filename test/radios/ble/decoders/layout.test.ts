import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecoderIndex } from '../../../../src/radios/ble/decoders/registry';
import { readLayout, tableDecoder } from '../../../../src/radios/ble/decoders/layout';
import { mfgAdvert, svcAdvert } from './helpers';

test('layout rows: byte types, scale + offset, decimals, out-of-range and past-the-end rows left out', () => {
  // 0xfff6 = −10 (i16 LE) × 0.1 = −1.0 | 0x0bb8 = 3000 (u16 BE) ÷ 1000 = 3.0 | 0xff = 255 outside 0..100 |
  // a row at offset 9 on 8 bytes is skipped
  const b = Buffer.from('f6ff0bb8ff00803f', 'hex'); // bytes 4-7: float32 LE 0x3f8000ff ≈ 1.00003 → 1 at 2 decimals
  const f = readLayout(b, 0, [
    { name: 'temperature', at: 0, type: 'i16le', scale: 0.1 },
    { name: 'voltage', at: 2, type: 'u16be', scale: 0.001 },
    { name: 'battery', at: 4, type: 'u8', range: [0, 100] },
    { name: 'x', at: 4, type: 'f32le', digits: 2 },
    { name: 'missing', at: 9, type: 'u8' },
    { name: 'celsius', at: 0, type: 'u8', scale: 175 / 65535, add: -45, digits: 2 },
  ]);
  // 0xf6 = 246 → −45 + 175·246/65535 = −44.3431 → −44.34
  assert.deepEqual(f, { temperature: -1, voltage: 3, x: 1, celsius: -44.34 });
});

test('tableDecoder: claims only its UUID / company and lengths; a repeated name gets a suffix', () => {
  const d = tableDecoder({ fmt: 't', serviceUuid: 'abcd', lengths: [3], rows: [{ name: 'temperature', at: 0, type: 'u8' }, { name: 'temperature', at: 1, type: 'u8' }] });
  assert.equal(d.matches(svcAdvert('abcd', '010203')), true);
  assert.equal(d.matches(svcAdvert('abcd', '0102')), false);
  assert.equal(d.matches(svcAdvert('abce', '010203')), false);
  assert.deepEqual(d.decode(svcAdvert('abcd', '1415ff'), {}), { fmt: 't', fields: { temperature: 20, temperature_2: 21 }, payload: Buffer.from('1415ff', 'hex') });
  assert.deepEqual(d.decode(svcAdvert('abcd', '14'), {}), { fmt: 't', error: 'malformed' });
  const m = tableDecoder({ fmt: 'm', companyId: 0x1234, lengths: [1], rows: [{ name: 'battery', at: 0, type: 'u8' }] });
  assert.equal(m.matches(mfgAdvert('341263')), true);
  assert.deepEqual(m.decode(mfgAdvert('341263'), {}), { fmt: 'm', fields: { battery: 99 }, payload: Buffer.from('341263', 'hex') });
  assert.equal(m.matches(mfgAdvert('351263')), false);
});

test('registry: a name prefix claims before service data and company ids; a prefix decoder that declines falls through', () => {
  const named = { fmt: 'named', namePrefixes: ['TP35'], matches: () => true, decode: () => ({ fmt: 'named', fields: {}, payload: Buffer.alloc(0) }) };
  const declining = { fmt: 'declining', namePrefixes: ['TP'], matches: () => false, decode: () => ({ fmt: 'declining', error: 'x' }) };
  const company = { fmt: 'company', companyIds: [0x1234], matches: () => true, decode: () => ({ fmt: 'company', fields: {}, payload: Buffer.alloc(0) }) };
  const idx = new DecoderIndex([declining, named, company]);
  const a = { ...mfgAdvert('3412ff'), localName: 'TP357 (2B54)' };
  assert.equal(idx.decode(a, {})?.fmt, 'named');
  assert.equal(idx.claimant({ ...a, localName: 'TP99' })?.fmt, 'company'); // 'TP' declines, falls to the company id
  assert.equal(idx.claimant({ ...a, localName: undefined })?.fmt, 'company');
});
