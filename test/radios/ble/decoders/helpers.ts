import assert from 'node:assert/strict';
import type { Advert, DecodeResult, Decoded } from '../../../../src/radios/ble/advert';
import { isFailure } from '../../../../src/radios/ble/advert';

/** Builds an advert with one service-data entry. */
export function svcAdvert(uuid: string, hex: string, mac = 'a4c138d5d498'): Advert {
  return { mac, rssi: -60, serviceData: [{ uuid, data: Buffer.from(hex, 'hex') }] };
}

/** Builds an advert with manufacturer data (hex includes the little-endian company id). */
export function mfgAdvert(hex: string, mac = 'a4c138d5d498'): Advert {
  return { mac, rssi: -60, serviceData: [], manufacturerData: Buffer.from(hex, 'hex') };
}

/** Asserts a successful decode and returns it. */
export function ok(r: DecodeResult | undefined, fmt?: string): Decoded {
  assert.ok(r, 'no decoder recognised the advert');
  assert.ok(!isFailure(r), `decode failed: ${JSON.stringify(r)}`);
  if (fmt) assert.equal(r.fmt, fmt);
  return r as Decoded;
}

/** Asserts every expected field, numbers within 1e-6. */
export function expectFields(fields: Record<string, unknown>, expect: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(expect)) {
    assert.ok(k in fields, `missing field ${k} in ${JSON.stringify(fields)}`);
    if (typeof v === 'number') {
      assert.equal(typeof fields[k], 'number', k);
      assert.ok(Math.abs((fields[k] as number) - v) < 1e-6, `${k}: ${String(fields[k])} != ${v}`);
    } else assert.equal(fields[k], v, k);
  }
}
