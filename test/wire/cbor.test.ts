import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { CborFloat, decodeCbor, encodeCbor, encodeMapScratch, releaseScratch, CborError } from '../../src/wire/cbor';

test('round-trips the value kinds the body uses', () => {
  const v = {
    gw: 'pi-garden', n: 0, small: 23, b1: 24, b2: 255, b3: 65_536, big: 2 ** 40, neg: -1, neg2: -1000,
    f: 5.1, t: true, nul: null, raw: Buffer.from('010203', 'hex'), arr: [1, 'a', false],
    nested: { temperature: -4.1, ok: true }, u64: 18_446_744_073_709_551_615n,
  };
  const out = decodeCbor(encodeCbor(v)) as Record<string, unknown>;
  assert.deepEqual({ ...out, u64: String(out.u64) }, { ...v, u64: '18446744073709551615' });
});

test('CborFloat forces float64 for integral values', () => {
  assert.equal(encodeCbor(new CborFloat(13)).toString('hex'), 'fb402a000000000000');
  assert.equal(encodeCbor(13).toString('hex'), '0d');
});

test('known encodings from RFC 8949 appendix A', () => {
  const cases: [unknown, string][] = [
    [0, '00'], [23, '17'], [24, '1818'], [1000, '1903e8'], [1_000_000, '1a000f4240'], [-1, '20'], [-100, '3863'],
    [1.1, 'fb3ff199999999999a'], [false, 'f4'], [true, 'f5'], [null, 'f6'], ['IETF', '6449455446'],
    [Buffer.from('01020304', 'hex'), '4401020304'], [[1, 2, 3], '83010203'], [{ a: 1, b: [2, 3] }, 'a26161016162820203'],
  ];
  for (const [v, hex] of cases) {
    assert.equal(encodeCbor(v as never).toString('hex'), hex, JSON.stringify(v));
    assert.deepEqual(decodeCbor(Buffer.from(hex, 'hex')), v);
  }
  // Half and single precision from other producers.
  assert.equal(decodeCbor(Buffer.from('f93e00', 'hex')), 1.5);
  assert.equal(decodeCbor(Buffer.from('fa47c35000', 'hex')), 100000);
});

test('malformed input gives CborError, never a crash or a huge allocation', () => {
  for (const hex of ['', '5b', '5affffffff', 'a1', 'ff', '9f01', 'a16161', '1c', '00ff', '5bffffffffffffffff']) {
    assert.throws(() => decodeCbor(Buffer.from(hex, 'hex')), CborError, hex);
  }
  let deep = Buffer.alloc(1000, 0x81);
  assert.throws(() => decodeCbor(deep), CborError);
  deep = Buffer.concat([deep, Buffer.from([0])]);
  assert.throws(() => decodeCbor(deep), CborError);
});

test('random bytes never throw anything but CborError', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 20_000; i++) {
    const b = Buffer.alloc(Math.floor(rnd() * 40));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
    try {
      decodeCbor(b);
    } catch (err) {
      assert.ok(err instanceof CborError, `${b.toString('hex')}: ${(err as Error).message}`);
    }
  }
});

test('Python cbor2 (an independent decoder) reads our encoding', () => {
  const body = encodeCbor({ gw: 'g', raw: Buffer.from([1, 2, 3]), rssi: -35, snr: new CborFloat(5), fields: { temperature_3: 27.2 } });
  const out = execFileSync('/usr/bin/python3', ['-c', [
    'import sys, cbor2, json',
    'd = cbor2.loads(bytes.fromhex(sys.argv[1]))',
    'd["raw"] = d["raw"].hex()',
    'print(json.dumps(d, sort_keys=True)); print(type(d["snr"]).__name__)',
  ].join('\n'), body.toString('hex')]).toString().trim().split('\n');
  assert.deepEqual(JSON.parse(out[0]), { fields: { temperature_3: 27.2 }, gw: 'g', raw: '010203', rssi: -35, snr: 5.0 });
  assert.equal(out[1], 'float');
});

test('a map of 24 members or more gets its longer head, the members intact', () => {
  for (const n of [0, 1, 23, 24, 25, 255, 256, 300]) {
    const obj: Record<string, number | undefined> = {};
    for (let i = 0; i < n; i++) obj[`k${i}`] = i;
    obj.skipped = undefined;
    const s = encodeMapScratch((m) => {
      for (const [k, v] of Object.entries(obj)) m.entry(k, v);
    });
    const got = Buffer.from(s.buf.subarray(0, s.len));
    releaseScratch();
    assert.deepEqual(got, encodeCbor(obj), `${n} members`);
  }
});

test('text and bytes are read from where the value sits in a view of a larger buffer, and bytes come back as copies', () => {
  const inner = encodeCbor({ name: 'héllo 日本', raw: Buffer.from('0a0b0c', 'hex'), list: ['a', 'µ'] });
  const slab = Buffer.concat([Buffer.from('ffffffff', 'hex'), inner, Buffer.from('6161', 'hex')]);
  const view = slab.subarray(4, 4 + inner.length);
  const out = decodeCbor(view) as { name: string; raw: Buffer; list: string[] };
  assert.deepEqual(out, { name: 'héllo 日本', raw: Buffer.from('0a0b0c', 'hex'), list: ['a', 'µ'] });
  slab.fill(0);
  assert.deepEqual(out.raw, Buffer.from('0a0b0c', 'hex'), 'the bytes do not alias the input');
  // Invalid UTF-8 decodes as Buffer#toString does (U+FFFD), not as an error.
  assert.equal(decodeCbor(Buffer.from('62c328', 'hex')), Buffer.from('c328', 'hex').toString('utf8'));
});
