import { createDecipheriv } from 'node:crypto';
import type { Advert, DecodeContext, DecodeResult } from '../../../src/radios/ble/advert';

/**
 * A small stand-in for src/radios/ble/decoders/registry (written by another helper) so the
 * adapter's tests do not depend on it: just enough of BTHome v2 (plain and encrypted), Ruuvi
 * RAWv2, ATC1441 and iBeacon to check what the adapter does with results and failures.
 */
export function stubDecode(a: Advert, ctx: DecodeContext): DecodeResult | undefined {
  for (const sd of a.serviceData) {
    if (sd.uuid === 'fcd2') return bthome(a.mac, sd.data, ctx);
    if (sd.uuid === '181a' && sd.data.length === 13) {
      const d = sd.data;
      return { fmt: 'atc1441', fields: { temperature: d.readInt16BE(6) / 10, humidity: d[8], battery: d[9] }, counter: d[12], payload: d };
    }
  }
  const m = a.manufacturerData;
  if (m && m.length >= 26 && m.readUInt16LE(0) === 0x0499 && m[2] === 5) {
    return { fmt: 'ruuvi5', fields: { temperature: Math.round(m.readInt16BE(3) * 0.5) / 100 }, counter: m.readUInt16BE(18), payload: m };
  }
  if (m && m.length === 25 && m.readUInt16LE(0) === 0x004c && m[2] === 2 && m[3] === 0x15) {
    return { fmt: 'ibeacon', fields: { major: m.readUInt16BE(20), minor: m.readUInt16BE(22) }, payload: m };
  }
  return undefined;
}

function bthome(mac: string, d: Buffer, ctx: DecodeContext): DecodeResult {
  if (d.length < 1) return { fmt: 'bthome', error: 'malformed' };
  if (d[0] & 1) {
    if (!ctx.bindkey) return { fmt: 'bthome', error: 'no_key' };
    if (d.length < 9) return { fmt: 'bthome', error: 'malformed' };
    const ct = d.subarray(1, d.length - 8);
    const ctr = d.subarray(d.length - 8, d.length - 4);
    const tag = d.subarray(d.length - 4);
    const nonce = Buffer.concat([Buffer.from(mac, 'hex'), Buffer.from([0xd2, 0xfc, d[0]]), ctr]);
    const counter = ctr.readUInt32LE(0);
    if (ctx.lastCounter !== undefined && counter < ctx.lastCounter) return { fmt: 'bthome', error: 'replay' };
    try {
      const dc = createDecipheriv('aes-128-ccm', ctx.bindkey, nonce, { authTagLength: 4 });
      dc.setAuthTag(tag);
      const plain = Buffer.concat([dc.update(ct), dc.final()]);
      return { fmt: 'bthome', fields: objects(plain), counter, authenticated: true, payload: d };
    } catch {
      return { fmt: 'bthome', error: 'auth_failed' };
    }
  }
  const fields = objects(d.subarray(1));
  const counter = typeof fields.packet_id === 'number' ? fields.packet_id : undefined;
  return { fmt: 'bthome', fields, ...(counter !== undefined ? { counter } : {}), payload: d };
}

function objects(b: Buffer): Record<string, number> {
  const f: Record<string, number> = {};
  let i = 0;
  while (i < b.length) {
    const id = b[i++];
    if (id === 0x00) f.packet_id = b[i++];
    else if (id === 0x01) f.battery = b[i++];
    else if (id === 0x02) { f.temperature = b.readInt16LE(i) / 100; i += 2; }
    else if (id === 0x03) { f.humidity = b.readUInt16LE(i) / 100; i += 2; }
    else break;
  }
  return f;
}
