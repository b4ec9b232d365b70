import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import type { Config } from '../../src/config/schema';
import type { Reading } from '../../src/core/reading';
import { SequenceCounter } from '../../src/core/sequence';
import { LoraStage } from '../../src/pipeline/lora-stage';
import { MemoryLog } from '../../src/pipeline/memory-log';
import { Pipeline } from '../../src/pipeline/pipeline';
import { LoraFrameDecoder } from '../../src/radios/lora/lorawan/decoder';
import { V } from '../radios/lora/lorawan/frames';

const lorawan = (devices: { devaddr: string }[] = []) =>
  ({
    devices: devices.map((d) => ({ ...d, nwkskey: V.nwkskey.toString('hex'), appskey: V.appskey.toString('hex'), codec: 'raw', name: undefined })),
    drop_mic_failures: false,
    codec_timeout_ms: 50,
  }) as unknown as Config['lorawan'];

const heard = (phy: string, src: string, timeUs: number): Reading => ({ radio: 'lora', device: 'raw', src, raw: Buffer.from(phy, 'hex'), timeUs });

function stage(windowMs = 2000, devices = [{ devaddr: '49be7df1' }]) {
  const decoder = new LoraFrameDecoder(lorawan(devices), { logger: pino({ level: 'silent' }) });
  return new LoraStage(decoder, windowMs);
}

test('the same LoRa bytes from a second radio are dropped before decoding, counted as a duplicate', () => {
  const s = stage();
  const first = s.concentrator.process(heard(V.frames[0].phy, 'udp0', 1_000_000));
  assert.equal(first?.device, '49be7df1');
  assert.equal(first?.authenticated, true);
  assert.equal(s.modem.process(heard(V.frames[0].phy, 'lora0', 1_200_000)), null, 'a modem hearing it too shares the window');
  assert.equal(s.drops.byCause.duplicate, 1);
  // The duplicate never reached the decoder: one MIC check, one authenticated frame.
  assert.equal(s.counters.authenticated, 1);
  assert.ok(s.concentrator.process(heard(V.frames[1].phy, 'udp0', 1_300_000)), 'another frame');
  assert.ok(s.concentrator.process(heard(V.frames[0].phy, 'udp0', 9_000_000)), 'outside the window');
  s.close();
});

test('modem entrance: a frame of no configured device stays raw; concentrator entrance: it is LoRaWAN', () => {
  const s = stage(2000, []);
  const fromModem = s.modem.process(heard(V.frames[0].phy, 'lora0', 1_000_000));
  assert.equal(fromModem?.device, 'raw');
  assert.equal(fromModem?.lorawan, undefined);
  const fromConcentrator = s.concentrator.process(heard(V.frames[1].phy, 'udp0', 1_000_000));
  assert.equal(fromConcentrator?.device, '49be7df1');
  assert.equal(fromConcentrator?.lorawan?.mtype, 'UnconfirmedDataUp');
  assert.equal(s.counters.unknown_device, 1);
  assert.equal(s.counters.raw, 1);
  s.close();
});

test('window 0 turns frame de-dup off (the pipeline then sees every copy)', () => {
  const s = stage(0);
  assert.ok(s.concentrator.process(heard(V.frames[0].phy, 'udp0', 1_000_000)));
  assert.ok(s.concentrator.process(heard(V.frames[0].phy, 'udp1', 1_000_001)));
  assert.equal(s.drops.byCause.duplicate, undefined);
  s.close();
});

test('what the stage passes, the pipeline key window would refuse none of: it is skipped for LoRa readings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-lorastage-'));
  const s = stage();
  const log = new MemoryLog();
  log.openCursor('t', { maxMessages: 100_000, maxBytes: 1e8, overflow: 'drop-oldest' });
  const p = new Pipeline({ gatewayId: 'gw', windowMs: 2000, runGapMs: 10_000, runMaxMs: 300_000 }, SequenceCounter.open(dir), log);
  assert.equal(s.modem.windowed, true);
  assert.equal(s.concentrator.windowed, true);
  // LoRaWAN data frames of a configured device, a join, and P2P payloads that are not LoRaWAN
  // (their key is the run of identical payloads), repeated from both entrances at random times.
  const phys = [...V.frames.map((f) => f.phy), V.join.phy, '0102030405', 'deadbeef', 'ff'];
  let t = 1_000_000;
  let rnd = 7;
  const next = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 3000; i++) {
    t += next() % 700_000; // 0–0.7 s: repeats land inside and outside the 2 s window
    const r = heard(phys[next() % phys.length], next() % 2 ? 'udp0' : 'lora0', t);
    const d = (next() % 2 ? s.concentrator : s.modem).process(r);
    if (d) assert.ok(p.accept(d), `reading ${i} passed the stage but the key window refused it`);
  }
  assert.ok((s.drops.byCause.duplicate ?? 0) > 100, 'the stage refused repeats');
  assert.equal(p.drops.duplicate, undefined);
  s.close();
  rmSync(dir, { recursive: true, force: true });
});
