import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rak3172Emulator, createEmulatorCore } from '../../../hardware/emulators/modems/index';
import { Rak3172Driver, RAK3172_TIMING } from '../../../src/radios/lora/rak3172/driver';
import { rak3172Profile } from '../../../src/radios/lora/rak3172/profile';
import type { RadioSettings } from '../../../src/radios/lora/modem-driver';
import { ModemLoop } from './loop';
import vectors from './modem-lines.json';

const EU: RadioSettings = { freq: 868_100_000, sf: 9, bw: 250, cr: '4/7' };

function loop(settings = EU, core = createEmulatorCore('rak3172')): ModemLoop {
  return new ModemLoop(new Rak3172Driver(settings), core).start();
}

test('rak3172: init from LoRaWAN mode survives the NWM reboot banner and arms continuous receive', () => {
  const l = loop();
  assert.deepEqual(l.written, ['AT+PRECV=0', 'AT', 'AT+NWM=0', 'AT+P2P=868100000:9:250:2:8:14', 'AT+PRECV=65534']);
  assert.equal(l.state, 'receiving');
  assert.equal(l.core.receiving, true);
  assert.equal(l.timerMs, RAK3172_TIMING.livenessMs);
  assert.deepEqual((l.core as Rak3172Emulator).settings, {
    workMode: 0, freq: 868_100_000, sf: 9, bw: 250, cr: 2, preamble: 8, power: 14,
  });
  assert.equal(l.dropCount(), 0, 'banner lines are not garbage');
});

test('rak3172: already in P2P mode: NWM answers OK, no reboot', () => {
  const core = createEmulatorCore('rak3172');
  core.onCommand('AT+NWM=0');
  const l = loop(EU, core);
  assert.equal(l.state, 'receiving');
  assert.equal(l.dropCount(), 0);
});

test('rak3172: packets stay flowing in continuous receive without re-arming', () => {
  const l = loop();
  const n = l.written.length;
  for (let i = 0; i < 20; i++) l.hear(Buffer.from([0xde, 0xad, i]), -60 - i, 11 - i);
  assert.equal(l.packets.length, 20);
  assert.equal(l.written.length, n, 'no command needed between packets');
  const p = l.packets[3]!;
  assert.equal(p.raw.toString('hex'), 'dead03');
  assert.equal(p.rssi, -63);
  assert.equal(p.snr, 8);
  assert.equal(p.dr, 'SF9BW250');
  assert.equal(p.freq, 868_100_000);
});

test('rak3172: RECEIVE TIMEOUT / ERROR re-arm; error counted', () => {
  const l = loop();
  l.feed(...l.core.hearCorrupt());
  assert.equal(l.written.at(-1), 'AT+PRECV=65534');
  assert.equal(l.core.receiving, true);
  assert.equal(l.dropCount('rx_error'), 1);
  l.core.onCommand('AT+PRECV=0');
  l.feed('+EVT:RXP2P RECEIVE TIMEOUT');
  assert.equal(l.core.receiving, true);
  assert.equal(l.dropCount(), 1, 'a timeout is not a drop');
  // A re-arm refused as busy means receive never stopped.
  l.feed('+EVT:RXP2P RECEIVE TIMEOUT');
  assert.equal(l.state, 'receiving');
  assert.equal(l.dropCount(), 1);
});

test('rak3172: old firmware two-line events are paired', () => {
  const l = loop(EU, createEmulatorCore('rak3172', { oldFirmware: true }));
  assert.equal(l.core.baud, 9600);
  l.hear(Buffer.from('aabbccdd', 'hex'), -60, 11);
  assert.equal(l.packets.length, 1);
  assert.equal(l.packets[0]!.raw.toString('hex'), 'aabbccdd');
  assert.equal(l.packets[0]!.rssi, -60);
  assert.equal(l.packets[0]!.snr, 11);
  // A header whose payload never came is dropped when the next header arrives.
  l.feed('+EVT:RXP2P, RSSI -70, SNR 3', '+EVT:RXP2P, RSSI -71, SNR 4', '+EVT:0102');
  assert.equal(l.dropCount('missing_payload'), 1);
  assert.equal(l.packets[1]!.rssi, -71);
  // A payload with no header is not trusted.
  l.feed('+EVT:0A0B');
  assert.equal(l.dropCount('orphan_payload'), 1);
  assert.equal(l.packets.length, 2);
});

test('rak3172: public vectors (modem_lines)', () => {
  const v = vectors.modem_lines.rak3172;
  assert.equal(v.baud, rak3172Profile.defaultBaud);
  const l = loop();
  l.feed(...(v.old_firmware_9600 as string[]));
  assert.equal(l.packets[0]!.raw.toString('hex'), 'aabbccdd');
  assert.equal(l.packets[0]!.rssi, -60);
  assert.equal(l.packets[0]!.snr, 11);
  l.feed('+EVT:RXP2P:-112:1:1234', '+EVT:RXP2P:-5:-7:abcdEF');
  assert.equal(l.packets[1]!.raw.toString('hex'), '1234');
  assert.equal(l.packets[1]!.rssi, -112);
  assert.equal(l.packets[2]!.raw.toString('hex'), 'abcdef', 'either case');
  assert.equal(l.packets[2]!.snr, -7);
  assert.ok(rak3172Profile.probe.matches('AT+VER=RUI_4.0.6_RAK3172-E'));
  assert.ok(!rak3172Profile.probe.matches('OK'));
  for (const s of v.setup as string[]) assert.ok(l.written.some((w) => w.startsWith(s.split(/[ <]/)[0]!)), s);
});

test('rak3172: bad hex in events is a counted drop, receive stays on', () => {
  const l = loop();
  l.feed('+EVT:RXP2P:-60:5:ABC', '+EVT:RXP2P:-60:5:GG', '+EVT:RXP2P:-60:5:', '+EVT:RXP2P:x:5:AA', '+EVT:NONSENSE');
  assert.equal(l.dropCount('bad_hex'), 3);
  assert.equal(l.dropCount('garbage'), 2);
  assert.equal(l.state, 'receiving');
  l.hear(Buffer.from('01', 'hex'));
  assert.equal(l.packets.length, 1);
});

test('rak3172: AT_PARAM_ERROR is counted and retried with backoff', () => {
  const l = loop({ ...EU, freq: 100_000_000 });
  assert.equal(l.dropCount('modem_error'), 1);
  assert.match(l.drops[0]!.detail ?? '', /AT\+P2P=100000000.*AT_PARAM_ERROR/);
  assert.equal(l.state, 'error');
  assert.equal(l.timerMs, RAK3172_TIMING.backoffMinMs);
  l.fireTimer();
  assert.equal(l.dropCount('modem_error'), 2);
  assert.equal(l.timerMs, RAK3172_TIMING.backoffMinMs * 2);
});

test('rak3172: receive left on by a previous run is stopped at start, no drop', () => {
  const core = createEmulatorCore('rak3172');
  core.onCommand('AT+NWM=0');
  core.onCommand('AT+PRECV=65534');
  const l = loop(EU, core);
  assert.equal(l.dropCount(), 0);
  assert.equal(l.state, 'receiving');
});

test('rak3172: busy during init is counted; the retry stops receive first', () => {
  const d = new Rak3172Driver(EU);
  d.start();
  const acts = [...d.onLine('OK'), ...d.onLine('OK'), ...d.onLine('OK'), ...d.onLine('AT_BUSY_ERROR')];
  assert.ok(acts.some((a) => a.type === 'drop' && a.cause === 'modem_error' && /AT\+P2P=.*AT_BUSY_ERROR/.test(a.detail ?? '')));
  assert.deepEqual(acts.at(-1), { type: 'timer', ms: RAK3172_TIMING.backoffMinMs });
  assert.deepEqual(d.onTimeout().find((a) => a.type === 'write'), { type: 'write', line: 'AT+PRECV=0' });
});

test('rak3172: re-arm timeout → deaf → re-init; silent again → reopen; liveness probe; spontaneous reboot → re-init', () => {
  const l = loop();
  l.connected = false;
  l.feed('+EVT:RXP2P RECEIVE TIMEOUT');
  l.fireTimer();
  assert.ok(l.states.some((s) => s.state === 'deaf' && /no answer to "AT\+PRECV=65534"/.test(s.detail ?? '')));
  assert.equal(l.written.at(-1), 'AT+PRECV=0', 'radio state unknown after a lost answer');
  l.connected = true;
  l.fireTimer(); // second silent timeout in a row: reopen
  assert.equal(l.reopened.length, 1);
  assert.equal(l.state, 'receiving');
  // Quiet channel: the probe is the arm command; AT_BUSY_ERROR means it is listening.
  const n = l.written.length;
  l.fireTimer();
  assert.deepEqual(l.written.slice(n), ['AT+PRECV=65534']);
  assert.equal(l.state, 'receiving');
  assert.equal(l.dropCount(), 0);
  // Receive went off silently: the probe's OK re-arms it, counted.
  l.core.deafen();
  l.fireTimer();
  assert.equal(l.core.receiving, true);
  assert.equal(l.dropCount('receive_off'), 1);
  // The module reboots by itself (brown-out): banner while receiving.
  l.core.reset();
  l.feed('RAKwireless RAK3172-E Example', 'Current Work Mode: LoRa P2P.');
  assert.equal(l.state, 'receiving');
  assert.equal(l.core.receiving, true);
});

test('rak3172: a RECEIVE ERROR line lost with an over-long line: re-armed at once', () => {
  const l = loop();
  l.core.hearCorrupt(); // receive off, its event line never arrives
  assert.equal(l.core.receiving, false);
  l.lineLost();
  assert.equal(l.core.receiving, true);
  l.hear(Buffer.from('aa', 'hex'));
  assert.equal(l.packets.length, 1);
});

test('rak3172: echo (ATE) lines are ignored, not counted', () => {
  const d = new Rak3172Driver(EU);
  d.start();
  const acts = [...d.onLine('AT+PRECV=0'), ...d.onLine('AT_ERROR'), ...d.onLine('AT'), ...d.onLine('OK'), ...d.onLine('AT+NWM=0'), ...d.onLine('OK')];
  assert.ok(!acts.some((a) => a.type === 'drop'));
  assert.ok(acts.some((a) => a.type === 'write' && a.line.startsWith('AT+P2P=')));
});
