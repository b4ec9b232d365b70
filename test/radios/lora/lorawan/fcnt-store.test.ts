import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Config } from '../../../../src/config/schema';
import type { Reading } from '../../../../src/core/reading';
import { LoraFrameDecoder } from '../../../../src/radios/lora/lorawan/decoder';
import { FcntTracker } from '../../../../src/radios/lora/lorawan/fcnt';
import { FCNT_STATE_FILE, FcntStore } from '../../../../src/radios/lora/lorawan/fcnt-store';
import { V, buildDataFrame } from './frames';

const cfg = {
  devices: [{ devaddr: '49be7df1', nwkskey: V.nwkskey.toString('hex'), appskey: V.appskey.toString('hex'), codec: 'cayenne', name: undefined }],
  drop_mic_failures: false,
  codec_timeout_ms: 50,
} as unknown as Config['lorawan'];

const reading = (fcnt32: number): Reading => ({
  radio: 'lora', device: 'raw', src: 'udp0', timeUs: 1,
  raw: buildDataFrame({ devaddr: '49be7df1', fcnt32, fport: 1, payload: Buffer.from('016700e5', 'hex'), nwkskey: V.nwkskey, appskey: V.appskey }),
});

function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { logger: pino({ level: 'info' }, dest), lines };
}

function withDir(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowband-fcnt-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('after a gateway restart, counters past 65535 come back from state_dir: verified without a search (review finding)', withDir((dir) => {
  const a = new LoraFrameDecoder(cfg, { logger: pino({ level: 'silent' }), stateDir: dir });
  for (let f = 65_530; f < 70_000; f += 500) assert.equal(a.decode(reading(f), true)?.authenticated, true, `fcnt ${f}`);
  a.close();
  const saved = JSON.parse(readFileSync(join(dir, FCNT_STATE_FILE), 'utf8'));
  assert.deepEqual(saved, { version: 1, fcnt: { '49be7df1/up': 69_530 } });
  assert.deepEqual(readdirSync(dir), [FCNT_STATE_FILE], 'no temp file left behind');

  const b = new LoraFrameDecoder(cfg, { logger: pino({ level: 'silent' }), stateDir: dir });
  try {
    for (const f of [70_001, 70_002, 70_003]) {
      const r = b.decode(reading(f), true);
      assert.equal(r?.authenticated, true, `fcnt ${f} after restart`);
      assert.equal(r?.lorawan?.fcnt, f);
      assert.deepEqual(r?.fields, { temperature_1: 22.9 });
    }
    assert.equal(b.counters.fcnt_search, 0, 'the persisted counter made the search unnecessary');
    assert.equal(b.counters.mic_failed, 0);
  } finally {
    b.close();
  }
}));

test('without saved state a device past 65535 is found by one search, then tracked normally', () => {
  const d = new LoraFrameDecoder(cfg, { logger: pino({ level: 'silent' }) });
  try {
    for (let f = 70_000; f < 70_005; f++) {
      const r = d.decode(reading(f), true);
      assert.equal(r?.authenticated, true, `fcnt ${f}`);
      assert.equal(r?.lorawan?.fcnt, f);
    }
    assert.equal(d.counters.fcnt_search, 1);
    assert.equal(d.counters.authenticated, 5);
  } finally {
    d.close();
  }
});

test('the periodic flush writes only when a counter moved; a fresh tracker restores it', withDir(async (dir) => {
  const t = new FcntTracker();
  const store = new FcntStore(dir, t, pino({ level: 'silent' }), 60_000);
  try {
    await store.flush();
    assert.equal(existsSync(store.path), false, 'nothing to write yet');
    t.commit('49be7df1/up', { fcnt: 123_456, reason: 'first' });
    t.commit('01020304/down', { fcnt: 7, reason: 'first' });
    await store.flush();
    assert.deepEqual(JSON.parse(readFileSync(store.path, 'utf8')).fcnt, { '49be7df1/up': 123_456, '01020304/down': 7 });
    writeFileSync(store.path, '{"version":1,"fcnt":{}}');
    await store.flush();
    assert.equal(readFileSync(store.path, 'utf8'), '{"version":1,"fcnt":{}}', 'unchanged counters are not rewritten');
    t.commit('49be7df1/up', { fcnt: 123_457, reason: 'ahead' });
    await store.flush();
  } finally {
    store.close();
  }
  const t2 = new FcntTracker();
  new FcntStore(dir, t2, pino({ level: 'silent' })).close();
  assert.equal(t2.get('49be7df1/up'), 123_457);
  assert.equal(t2.get('01020304/down'), 7);
}));

test('a corrupt or foreign state file is logged once and ignored; the next write replaces it', withDir((dir) => {
  const path = join(dir, FCNT_STATE_FILE);
  for (const junk of ['{not json', '[1,2]', '{"version":2,"fcnt":{}}', '{"version":1,"fcnt":{"a/up":-1,"b/up":"x","c/up":1e20,"d/up":5}}']) {
    writeFileSync(path, junk);
    const { logger, lines } = capture();
    const d = new LoraFrameDecoder(cfg, { logger, stateDir: dir });
    assert.equal(d.decode(reading(3), true)?.authenticated, true, junk);
    d.close();
    const warned = lines.filter((l) => /state file unreadable/.test(l)).length;
    if (junk.startsWith('{"version":1')) assert.equal(warned, 0, 'bad entries are skipped, good ones kept');
    else assert.equal(warned, 1, junk);
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(saved.fcnt['49be7df1/up'], 3);
    if (junk.startsWith('{"version":1')) assert.equal(saved.fcnt['d/up'], 5);
  }
}));

test('replayed old frame through the decoder: forwarded unauthenticated and counted, even with drop_mic_failures', () => {
  const d = new LoraFrameDecoder({ ...cfg, drop_mic_failures: true }, { logger: pino({ level: 'silent' }) });
  try {
    for (const f of [90_000, 100_000]) assert.equal(d.decode(reading(f), true)?.authenticated, true);
    const r = d.decode(reading(5), true);
    assert.ok(r, 'not dropped: the MIC is genuine');
    assert.equal(r.authenticated, false);
    assert.equal(r.fields, undefined);
    assert.equal(r.lorawan?.fcnt, 5, 'the on-air 16 bits');
    assert.equal(d.counters.replay, 1);
    assert.equal(d.counters.mic_failed, 0);
    assert.equal(d.decode(reading(100_001), true)?.authenticated, true);
  } finally {
    d.close();
  }
});
