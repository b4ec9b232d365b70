import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEmulatorCore } from '../../../hardware/emulators/modems/index';
import { MODEM_PROFILES, profileFor } from '../../../src/radios/lora/profiles';

test('profiles: every config modem name resolves; baud/eol agree with the emulators', () => {
  for (const name of ['rn2483', 'rn2903', 'rak3172', 'wio-e5'] as const) {
    const p = profileFor(name);
    assert.ok(p, name);
    assert.ok(p.names.includes(name));
    const core = createEmulatorCore(name);
    assert.equal(core.baud, p.defaultBaud, name);
    assert.equal(core.eol, p.eol, name);
    // The probe answer of the emulated firmware is recognised by its own profile only.
    const answers = core.onCommand(p.probe.command);
    assert.ok(answers.some((l) => p.probe.matches(l)), `${name} probe: ${answers.join('|')}`);
    for (const other of MODEM_PROFILES.filter((o) => o !== p)) {
      assert.ok(!answers.some((l) => other.probe.matches(l)), `${other.names[0]} must not claim ${name}`);
    }
  }
  assert.equal(profileFor('RN2483')?.names[0], 'rn2483');
  assert.equal(profileFor('sx1302'), undefined);
  assert.equal(MODEM_PROFILES.length, 3);
});

test('rn2483 emulator: single-shot receive, two spaces, last packet metadata, invalid_param', () => {
  const c = createEmulatorCore('rn2483');
  assert.deepEqual(c.onCommand('radio rx 0'), ['busy'], 'mac must be paused first');
  assert.deepEqual(c.onCommand('mac pause'), ['4294967245']);
  assert.deepEqual(c.hear(Buffer.from([1]), -50, 5), [], 'not armed: lost');
  assert.deepEqual(c.onCommand('radio rx 0'), ['ok']);
  assert.equal(c.receiving, true);
  assert.deepEqual(c.onCommand('radio set sf sf9'), ['busy']);
  assert.deepEqual(c.hear(Buffer.from('0aff', 'hex'), -51.4, -3), ['radio_rx  0AFF']);
  assert.equal(c.receiving, false);
  assert.deepEqual(c.onCommand('radio get snr'), ['-3']);
  assert.deepEqual(c.onCommand('radio get pktrssi'), ['-51']);
  assert.deepEqual(c.onCommand('radio get rssi'), ['invalid_param']);
  assert.deepEqual(c.onCommand('radio set sf sf13'), ['invalid_param']);
  assert.deepEqual(c.onCommand('radio set freq 915000000'), ['invalid_param'], 'RN2483 is an EU part');
  assert.deepEqual(c.onCommand('frobnicate'), ['invalid_param']);
  assert.deepEqual(c.onCommand(''), ['invalid_param']);
  c.onCommand('radio rx 0');
  assert.deepEqual(c.hearCorrupt(), ['radio_err']);
  assert.equal(c.receiving, false);
  c.onCommand('radio rx 0');
  c.reset();
  assert.equal(c.receiving, false);
  assert.deepEqual(c.onCommand('radio rx 0'), ['busy'], 'power cycle forgets mac pause');
  const us = createEmulatorCore('rn2903');
  assert.match(us.onCommand('sys get ver')[0]!, /^RN2903 1\.0\.5/);
  assert.deepEqual(us.onCommand('radio set freq 915000000'), ['ok']);
});

test('rak3172 emulator: NWM reboot banner, P2P validation, busy while receiving, events', () => {
  const c = createEmulatorCore('rak3172');
  assert.deepEqual(c.onCommand('AT+P2P=868000000:7:125:0:8:14'), ['AT_ERROR'], 'LoRaWAN mode first');
  const banner = c.onCommand('AT+NWM=0');
  assert.equal(banner.at(-1), 'Current Work Mode: LoRa P2P.');
  assert.deepEqual(c.onCommand('AT+NWM=0'), ['OK']);
  assert.deepEqual(c.onCommand('AT+P2P=868000000:7:0:0:8:14'), ['AT_PARAM_ERROR'], 'bandwidth in kHz');
  assert.deepEqual(c.onCommand('AT+P2P=868000000:7:125:4:8:14'), ['AT_PARAM_ERROR'], 'cr 0..3');
  assert.deepEqual(c.onCommand('AT+P2P=868000000:7:125:0:8:14'), ['OK']);
  assert.deepEqual(c.onCommand('AT+PRECV=65534'), ['OK']);
  assert.deepEqual(c.onCommand('AT+PRECV=65534'), ['AT_BUSY_ERROR']);
  assert.deepEqual(c.onCommand('AT+PSEND=AABB'), ['AT_BUSY_ERROR']);
  assert.deepEqual(c.hear(Buffer.from('aabb', 'hex'), -60, 11), ['+EVT:RXP2P:-60:11:AABB']);
  assert.equal(c.receiving, true, 'continuous receive stays on');
  assert.deepEqual(c.onCommand('AT+FOO=1'), ['AT_COMMAND_NOT_FOUND']);
  assert.deepEqual(c.onCommand('hello'), ['AT_ERROR']);
  assert.deepEqual(c.hearCorrupt(), ['+EVT:RXP2P RECEIVE ERROR']);
  assert.equal(c.receiving, false);
  assert.deepEqual(c.onCommand('AT+PRECV=65535'), ['OK']);
  c.hear(Buffer.from([1]), -1, 1);
  assert.equal(c.receiving, false, '65535 listens for one packet');
  const old = createEmulatorCore('rak3172', { oldFirmware: true });
  assert.equal(old.baud, 9600);
  old.onCommand('AT+NWM=0');
  old.onCommand('AT+PRECV=65534');
  assert.deepEqual(old.hear(Buffer.from('aabbccdd', 'hex'), -60, 11), ['+EVT:RXP2P, RSSI -60, SNR 11', '+EVT:AABBCCDD']);
});
