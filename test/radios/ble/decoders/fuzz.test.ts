import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Advert, DecodeContext, DecodeResult } from '../../../../src/radios/ble/advert';
import { decodeBleLine } from '../../../../src/radios/ble/decode-ble';
import { DECODERS, decodeAdvert } from '../../../../src/radios/ble/decoders/registry';
import vectors from './public-vectors.json';
import { prng } from '../../../helpers/prng';
import { advertFromOmg } from '../../../../src/radios/ble/decode-ble';
import { ALL_VECTORS } from './vectors/index';

// Deterministic PRNG so a failure reproduces; BLE_FUZZ_SEED overrides the seed.
const SEED = Number(process.env.BLE_FUZZ_SEED ?? 0x1ea5eed);
const rand = prng(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const bytes = (n: number): Buffer => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
};
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

const UUIDS = [...new Set(DECODERS.flatMap((d) => d.serviceUuids ?? []))];
const NAMES = [...new Set(DECODERS.flatMap((d) => [...(d.localNames ?? []), ...(d.namePrefixes ?? []).map((p) => `${p} 1A2B`)]))];
const COMPANIES = [...new Set(DECODERS.flatMap((d) => d.companyIds ?? []))];
const KEY = Buffer.from(vectors.bthome_v2.encrypted.key, 'hex');
const ENC_MAC = vectors.bthome_v2.encrypted.mac.replace(/:/g, '').toLowerCase();

function randomCtx(): DecodeContext {
  const r = int(4);
  if (r === 0) return {};
  if (r === 1) return { bindkey: KEY, lastCounter: int(3) === 0 ? int(2 ** 32) : undefined };
  if (r === 2) return { bindkey: bytes(16) };
  return { bindkey: bytes(int(20)), lastCounter: -1 };
}

function randomMac(): string {
  const r = int(5);
  if (r === 0) return '';
  if (r === 1) return 'zz' + bytes(5).toString('hex');
  if (r === 2) return ENC_MAC;
  return bytes(6).toString('hex');
}

function mfg(company: number, body: Buffer): Buffer {
  const b = Buffer.allocUnsafe(2 + body.length);
  b.writeUInt16LE(company, 0);
  body.copy(b, 2);
  return b;
}

/** Checks the result is one of the contract's shapes, with JSON-safe field values. */
function checkResult(r: DecodeResult | undefined, where: string): void {
  if (r === undefined) return;
  assert.equal(typeof r.fmt, 'string', where);
  if ('error' in r) {
    assert.equal(typeof r.error, 'string', where);
    return;
  }
  assert.ok(Buffer.isBuffer(r.payload), where);
  for (const [k, v] of Object.entries(r.fields)) {
    const t = typeof v;
    assert.ok(t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v)), `${where}: ${k}=${String(v)}`);
  }
  if (r.counter !== undefined) assert.ok(Number.isInteger(r.counter) && r.counter >= 0, where);
}

test('fuzz: random payloads (0..64 bytes) under every decoder key, into every decoder and the registry', () => {
  let n = 0;
  for (const d of DECODERS) {
    for (let i = 0; i < 1500; i++) {
      const payload = bytes(int(65));
      const adverts: Advert[] = [];
      for (const u of d.serviceUuids ?? []) adverts.push({ mac: randomMac(), rssi: -50, serviceData: [{ uuid: u, data: payload }] });
      for (const c of d.companyIds ?? []) adverts.push({ mac: randomMac(), rssi: -50, serviceData: [], manufacturerData: mfg(c, payload) });
      for (const name of [...(d.localNames ?? []), ...(d.namePrefixes ?? []).map((p) => `${p} 1A2B`)]) {
        adverts.push({ mac: randomMac(), rssi: -50, serviceData: [], localName: name, manufacturerData: payload });
      }
      for (const a of adverts) {
        const ctx = randomCtx();
        const where = `${d.fmt} seed=${SEED} payload=${payload.toString('hex')}`;
        assert.equal(typeof d.matches(a), 'boolean');
        checkResult(d.decode(a, ctx), where); // even when matches() says no: decode must stay total
        checkResult(decodeAdvert(a, ctx), where);
        n++;
      }
    }
  }
  assert.ok(n > 10000);
});

test('fuzz: every prefix and every single-bit flip of the real vectors', () => {
  const cases: Advert[] = [];
  const svc = (uuid: string, hex: string, mac = 'a4c138d5d498'): void => {
    cases.push({ mac, rssi: 0, serviceData: [{ uuid, data: Buffer.from(hex, 'hex') }] });
  };
  for (const v of vectors.bthome_v2.plain) svc('fcd2', v.svc);
  for (const c of vectors.bthome_v2.encrypted.cases) {
    svc('fcd2', 'svc' in c && c.svc ? c.svc : (c as { svc_with_uuid: string }).svc_with_uuid.slice(4), ENC_MAC);
  }
  for (const c of vectors.atc_pvvx.cases) svc('181a', c.svc);
  for (const c of vectors.ruuvi_rawv2.cases) cases.push({ mac: 'a4c138d5d498', rssi: 0, serviceData: [], manufacturerData: Buffer.from('9904' + c.mfg, 'hex') });
  cases.push({ mac: 'a4c138d5d498', rssi: 0, serviceData: [], manufacturerData: Buffer.from(vectors.ibeacon.mfg, 'hex') });
  // Every model's vector: the bytes of each family, so every decoder's deeper paths are walked
  for (const vs of Object.values(ALL_VECTORS)) {
    for (const v of vs) {
      const a = advertFromOmg({ id: 'A4:C1:38:00:11:22', ...v.input });
      if (a.serviceData.length > 0) cases.push({ ...a, manufacturerData: undefined });
      if (a.manufacturerData) cases.push({ ...a, serviceData: [] });
    }
  }
  let n = 0;
  for (const base of cases) {
    const data = base.manufacturerData ?? base.serviceData[0].data;
    const variants: Buffer[] = [];
    for (let len = 0; len <= data.length; len++) variants.push(data.subarray(0, len));
    for (let bit = 0; bit < data.length * 8; bit++) {
      const f = Buffer.from(data);
      f[bit >> 3] ^= 1 << (bit & 7);
      variants.push(f);
    }
    for (const v of variants) {
      const a: Advert = base.manufacturerData
        ? { ...base, manufacturerData: v }
        : { ...base, serviceData: [{ uuid: base.serviceData[0].uuid, data: v }] };
      for (const ctx of [{}, { bindkey: KEY }, { bindkey: KEY, lastCounter: 5 }]) {
        checkResult(decodeAdvert(a, ctx), `variant ${v.toString('hex')}`);
        n++;
      }
    }
  }
  assert.ok(n > 1000);
});

test('fuzz: random advert structures (several service data entries, manufacturer data, names)', () => {
  for (let i = 0; i < 5000; i++) {
    const serviceData: Advert['serviceData'] = [];
    const k = int(5);
    for (let j = 0; j < k; j++) {
      serviceData.push({ uuid: int(3) ? pick(UUIDS) : bytes(int(3) ? 2 : 16).toString('hex'), data: bytes(int(40)) });
    }
    const a: Advert = { mac: randomMac(), rssi: -int(100), serviceData };
    if (int(2)) a.manufacturerData = int(3) ? mfg(pick(COMPANIES), bytes(int(40))) : bytes(int(4));
    if (int(3) === 0) a.localName = int(2) ? pick(NAMES) : bytes(int(10)).toString('latin1');
    checkResult(decodeAdvert(a, randomCtx()), `advert ${JSON.stringify(a)}`);
  }
});

test('fuzz: decodeBleLine answers every line with one JSON object line', () => {
  const values = (): unknown => {
    switch (int(9)) {
      case 0: return bytes(int(40)).toString('hex');
      case 1: return bytes(int(10)).toString('hex').toUpperCase();
      case 2: return int(1000) - 500;
      case 3: return null;
      case 4: return { nested: bytes(2).toString('hex') };
      case 5: return [1, 'a'];
      case 6: return '0x' + pick(UUIDS);
      case 7: return bytes(int(8)).toString('latin1');
      default: return '';
    }
  };
  const keys = new Map([[ENC_MAC, KEY]]);
  for (let i = 0; i < 5000; i++) {
    let line: string;
    const r = int(10);
    if (r === 0) line = bytes(int(60)).toString('latin1');
    else if (r === 1) line = JSON.stringify(values());
    else {
      const o: Record<string, unknown> = {};
      if (int(4) === 0) o.name = pick(NAMES);
      for (const f of ['id', 'name', 'manufacturerdata', 'servicedata', 'servicedatauuid', 'rssi']) if (int(3)) o[f] = values();
      if (int(2)) o.id = pick(['54:48:E6:8F:80:A5', 'aa:bb:cc:dd:ee:ff', 'bad']);
      if (int(2)) o.servicedatauuid = pick(UUIDS);
      if (int(2)) o.manufacturerdata = mfg(pick(COMPANIES), bytes(int(30))).toString('hex');
      line = JSON.stringify(o);
      if (int(10) === 0) line = line.slice(0, int(line.length)); // truncated JSON
    }
    const out = decodeBleLine(line, keys);
    assert.ok(!out.includes('\n'), line);
    const parsed = JSON.parse(out) as Record<string, unknown>;
    assert.ok('id' in parsed, out);
    assert.ok(('fields' in parsed && typeof parsed.fmt === 'string') || typeof parsed.error === 'string', out);
  }
});
