import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../helpers/paths';
import { CodecLoadError, loadCodec } from '../../src/codecs';
import { type PayloadCodec } from '../../src/codecs/codec';
import { flattenFields, Ts013Codec, TS013_LIMITS } from '../../src/codecs/ts013';

function fixture(name: string): string {
  return fixturePath('codecs', name);
}

const PAYLOAD = Buffer.from('09c47803', 'hex');

test('a TS013 decodeUplink fixture decodes; nested data is flattened with _', () => {
  const c = loadCodec(fixture('ts013-example.js'), { timeoutMs: 200 });
  assert.equal(c.name, 'ts013-example');
  assert.deepEqual(c.decode(PAYLOAD, 2), {
    fields: { temperature: 25, humidity: 60, status_battery_low: true, status_mode: 'eco', levels_0: 0, levels_1: 3, received: true },
  });
  const r = c.decode(PAYLOAD, 9);
  assert.match(r.error ?? '', /unknown fPort 9/, 'errors[] from the codec become an error');
});

test('TTN v2 Decoder(bytes, port) is accepted too', () => {
  const c = loadCodec(fixture('ttn-v2.js'));
  assert.deepEqual(c.decode(PAYLOAD, 5).fields, { counter: 2500, port: 5 });
});

/** Waits for the replacement worker a failure started in the background. */
async function ready(c: PayloadCodec): Promise<void> {
  assert.ok(c instanceof Ts013Codec);
  assert.equal(await c.whenReady(20_000), true, 'replacement worker ready');
}

test('while(true){} is stopped by the timeout, counted as a timeout, and the codec keeps working', async () => {
  const c = loadCodec(fixture('loop.js'), { timeoutMs: 30 });
  const t0 = Date.now();
  const r = c.decode(PAYLOAD, 1);
  assert.equal(r.timeout, true);
  assert.match(r.error ?? '', /timed out/);
  assert.ok(Date.now() - t0 < 5000);
  await ready(c);
  assert.equal(c.decode(PAYLOAD, 1).timeout, true, 'a second call is stopped the same way');
  c.close?.();
});

test('loops hidden in getters, microtasks and a thrown object\'s toString are stopped too', async () => {
  const c = loadCodec(fixture('hostile-getter.js'), { timeoutMs: 100 });
  for (const port of [1, 2, 3]) {
    await ready(c);
    const r = c.decode(PAYLOAD, port);
    assert.equal(r.timeout, true, `fPort ${port}`);
  }
  await ready(c);
  assert.deepEqual(c.decode(PAYLOAD, 4), { fields: { t: 2 } }, 'still usable afterwards');
  c.close?.();
});

test('an endless Promise chain and an endless allocation cost the codec worker, not the gateway', async () => {
  const chain = loadCodec(fixture('promise-chain.js'), { timeoutMs: 100 });
  assert.equal(chain.decode(PAYLOAD, 1).timeout, true);
  await ready(chain);
  assert.deepEqual(chain.decode(PAYLOAD, 2), { fields: { port: 2 } }, 'a fresh worker answers the next call');
  const heapBefore = process.memoryUsage().heapUsed;
  const hog = loadCodec(fixture('hog-memory.js'), { timeoutMs: 100 });
  const r = hog.decode(PAYLOAD, 1);
  assert.equal(typeof r.error, 'string');
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 32 * 1024 * 1024, 'gateway heap did not absorb the codec\'s allocations');
});

test('require(\'fs\'), process and the constructor escape all fail cleanly inside the sandbox', () => {
  const req = loadCodec(fixture('escape-require.js')).decode(PAYLOAD, 1);
  assert.match(req.error ?? '', /require is not defined/);
  assert.equal(req.timeout, undefined);
  const proc = loadCodec(fixture('escape-process.js')).decode(PAYLOAD, 1);
  assert.match(proc.error ?? '', /Code generation from strings disallowed/);
  const seen = loadCodec(fixture('escape-global.js')).decode(PAYLOAD, 1);
  assert.deepEqual(seen.fields, {
    process: 'undefined', require: 'undefined', setTimeout: 'undefined', fetch: 'undefined', buffer: 'undefined',
    atomics: 'undefined', wasm: 'undefined', ctor: 'blocked',
  });
  assert.equal(process.exitCode, undefined);
});

test('a codec that throws or returns a Promise gives an error, not an exception', () => {
  assert.match(loadCodec(fixture('throws.js')).decode(PAYLOAD, 1).error ?? '', /codec threw: Cannot read properties/);
  assert.match(loadCodec(fixture('async.js')).decode(PAYLOAD, 1).error ?? '', /Promise/);
});

test('output is sanitised: only finite scalars, capped count, capped string and key sizes', () => {
  const r = loadCodec(fixture('big-output.js')).decode(PAYLOAD, 1);
  assert.ok(r.fields);
  assert.equal(Object.keys(r.fields).length, TS013_LIMITS.fields);
  assert.equal(r.fields.nan, undefined);
  assert.equal(r.fields.inf, undefined);
  assert.equal(r.fields.nothing, undefined);
  assert.equal(r.fields.fn, undefined);
  assert.equal(r.fields.deep_a_b_c, 1);
  const flat = flattenFields({ s: 'x'.repeat(1000), ['k'.repeat(100)]: 1, a: [{ b: true }], ['__proto__']: 5 });
  assert.equal((flat.s as string).length, TS013_LIMITS.stringChars);
  assert.equal(flat.a_0_b, true);
  assert.equal(Object.keys(flat).length, 2);
});

test('unusable codec files are refused at load with CodecLoadError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-codec-'));
  try {
    const write = (name: string, src: string): string => {
      const p = join(dir, name);
      writeFileSync(p, src);
      return p;
    };
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.js'), /cannot read file/],
      [write('syntax.js', 'function decodeUplink( {'), /syntax error/],
      [write('none.js', 'var x = 1;'), /no decodeUplink/],
      [write('top-throw.js', 'throw new Error("boom")'), /top-level code threw: boom/],
      [write('top-loop.js', 'for (;;) {}'), /did not finish in time/],
    ];
    for (const [p, re] of cases) {
      assert.throws(() => loadCodec(p, { timeoutMs: 20 }), (e: Error) => e instanceof CodecLoadError && re.test(e.message), p);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadCodec: built-in names and relative paths', () => {
  assert.equal(loadCodec('cayenne').name, 'cayenne');
  assert.deepEqual(loadCodec('raw').decode(Buffer.from('0102', 'hex'), 3), { fields: { payload: '0102', fport: 3 } });
  const dir = join(fixture('ttn-v2.js'), '..');
  assert.equal(loadCodec('ttn-v2.js', { baseDir: dir }).name, 'ttn-v2');
  assert.throws(() => loadCodec(''), CodecLoadError);
});

test('after a timeout the worker is replaced in the background: decode answers `restarting` at once instead of starting a thread inline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-codec-'));
  try {
    const p = join(dir, 'loop-on-ff.js');
    writeFileSync(p, 'function decodeUplink(input) { if (input.bytes[0] === 255) { for (;;) {} } return { data: { v: input.bytes[0] } }; }');
    const c = loadCodec(p, { timeoutMs: 30 });
    assert.ok(c instanceof Ts013Codec);
    assert.deepEqual(c.decode(Buffer.from([1]), 1), { fields: { v: 1 } });
    assert.equal(c.decode(Buffer.from([255]), 1).timeout, true);
    // A thread start takes tens of ms: the very next call cannot have a loaded replacement and
    // must say so rather than block the gateway thread until one is up.
    const r = c.decode(Buffer.from([2]), 1);
    assert.equal(r.restarting, true, JSON.stringify(r));
    assert.match(r.error ?? '', /loop-on-ff: worker restarting/);
    assert.equal(r.fields, undefined);
    assert.equal(c.ready, false);
    assert.equal(await c.whenReady(20_000), true);
    assert.deepEqual(c.decode(Buffer.from([3]), 1), { fields: { v: 3 } }, 'the replacement decodes');
    c.close();
    assert.equal(await c.whenReady(1000), false, 'a closed codec never becomes ready');
    assert.equal(c.decode(Buffer.from([4]), 1).restarting, true, 'a closed codec answers with an error, not a throw');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
