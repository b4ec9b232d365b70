import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { Config } from '../../src/config/schema';
import type { Reading } from '../../src/core/reading';
import { LoraStage } from '../../src/pipeline/lora-stage';
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
