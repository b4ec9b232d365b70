import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normaliseMac, PairedStore, parseBindkey } from '../../../src/radios/ble/paired-store';

const KEY = '231d39c1d7cc1ab1aee224cd096db932';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lowband-paired-'));
}

test('MAC normalisation accepts colon, dash and bare forms; rejects others clearly', () => {
  for (const s of ['AA:BB:CC:DD:EE:0F', 'aa-bb-cc-dd-ee-0f', 'AABBCCDDEE0F', ' aabbccddee0f ']) assert.equal(normaliseMac(s), 'aabbccddee0f');
  for (const s of ['AA:BB:CC:DD:EE', 'AA:BB-CC:DD:EE:FF', 'GGBBCCDDEEFF', '', 'aabbccddeeff00']) {
    assert.throws(() => normaliseMac(s), /invalid MAC .*AA:BB:CC:DD:EE:FF/);
  }
});

test('bindkey validation: 32 hex digits, clear errors that never echo the key', () => {
  assert.equal(parseBindkey(KEY.toUpperCase()).toString('hex'), KEY);
  assert.throws(() => parseBindkey(KEY.slice(2)), /expected 32 hex digits \(16 bytes\), got 30/);
  assert.throws(() => parseBindkey('zz' + KEY.slice(2)), (e: Error) => /only hex digits/.test(e.message) && !e.message.includes(KEY.slice(2)));
});

test('pair persists atomically with mode 0600; reload; list() never holds keys; unpair', async () => {
  const dir = tempDir();
  try {
    const store = await PairedStore.open(dir);
    assert.equal(store.loadError, undefined);
    assert.deepEqual(store.list(), []);
    const d = await store.pair('54:48:E6:8F:80:A5', { name: 'enc', key: KEY });
    assert.deepEqual({ mac: d.mac, name: d.name, hasKey: d.hasKey }, { mac: '54:48:e6:8f:80:a5', name: 'enc', hasKey: true });
    await store.pair('a4-c1-38-00-00-01', {});
    const file = join(dir, 'paired.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['paired.json'], 'no temp files left behind');
    assert.ok(readFileSync(file, 'utf8').includes(KEY), 'the key is persisted');
    const listed = JSON.stringify(store.list());
    assert.ok(!listed.includes(KEY) && !listed.includes('"key"'), 'list() has no keys');
    assert.deepEqual(store.list().map((x) => [x.mac, x.hasKey]), [['54:48:e6:8f:80:a5', true], ['a4:c1:38:00:00:01', false]]);

    const again = await PairedStore.open(dir);
    assert.equal(again.get('5448e68f80a5')?.key?.toString('hex'), KEY);
    assert.equal(again.size, 2);
    assert.equal(await again.unpair('A4:C1:38:00:00:01'), true);
    assert.equal(await again.unpair('A4:C1:38:00:00:01'), false);
    assert.equal((await PairedStore.open(dir)).size, 1);
    await assert.rejects(store.pair('nope', {}), /invalid MAC/);
    await assert.rejects(store.pair('aabbccddeeff', { key: 'abc' }), /invalid key/);
    assert.equal(store.get('aabbccddeeff'), undefined, 'a refused pair changes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent pairs are serialised: the file holds all of them', async () => {
  const dir = tempDir();
  try {
    const store = await PairedStore.open(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.pair(`a4c1380000${i.toString(16).padStart(2, '0')}`, {})));
    assert.equal((await PairedStore.open(dir)).size, 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corrupt file: clear error, start empty, bad file kept aside, key text not in the error', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'paired.json'), `{"version":1,"devices":[{"mac":"aabbccddeeff","key":"${KEY}"`);
    const store = await PairedStore.open(dir);
    assert.match(store.loadError ?? '', /paired\.json is corrupt \(not valid JSON\), starting with no paired devices; moved to .*paired\.json\.corrupt-/);
    assert.ok(!store.loadError!.includes(KEY.slice(0, 8)));
    assert.equal(store.size, 0);
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0], /^paired\.json\.corrupt-/);
    await store.pair('aabbccddeeff', {});
    assert.equal((await PairedStore.open(dir)).size, 1);

    writeFileSync(join(dir, 'paired.json'), JSON.stringify({ version: 1, devices: [{ mac: 'xx', pairedAt: 'now' }] }));
    const bad = await PairedStore.open(dir);
    assert.match(bad.loadError ?? '', /corrupt \(invalid MAC/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a hand-written paired.json readable by others is narrowed to 0600 on load', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'paired.json');
    writeFileSync(file, JSON.stringify({ version: 1, devices: [{ mac: 'AA:BB:CC:DD:EE:FF', key: KEY }] }), { mode: 0o644 });
    const store = await PairedStore.open(dir);
    assert.equal(store.loadError, undefined);
    assert.equal(store.get('aabbccddeeff')?.key?.toString('hex'), KEY);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pairing again without a name keeps the name (also across a reload); a new name replaces it', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await PairedStore.open(dir);
  await store.pair('a4:c1:38:00:00:01', { name: 'greenhouse' });
  const again = await store.pair('A4C138000001', { key: KEY });
  assert.deepEqual([again.mac, again.name, again.hasKey], ['a4:c1:38:00:00:01', 'greenhouse', true]);
  const reloaded = await PairedStore.open(dir);
  assert.equal(reloaded.get('a4c138000001')?.name, 'greenhouse');
  assert.equal((await reloaded.pair('a4c138000001', { name: 'porch' })).name, 'porch');
});

test('pair --model: kept lowercase, persisted, kept when paired again without it; a bad one is refused', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await PairedStore.open(dir);
  assert.equal((await store.pair('a4c138000001', { model: 'WoSensorTH' })).model, 'wosensorth');
  assert.equal((await store.pair('a4c138000001', { name: 'cellar' })).model, 'wosensorth');
  assert.equal((await PairedStore.open(dir)).get('a4c138000001')?.model, 'wosensorth');
  await assert.rejects(store.pair('a4c138000001', { model: 'two words' }), /invalid model/);
  assert.equal(store.get('a4c138000001')?.model, 'wosensorth', 'a refused pairing changes nothing');
});
