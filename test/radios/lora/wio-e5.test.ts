import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WioE5Emulator, createEmulatorCore } from '../../../hardware/emulators/modems/index';
import { WioE5Driver, WIO_E5_TIMING, hzToMhz } from '../../../src/radios/lora/wio-e5/driver';
import { wioE5Profile } from '../../../src/radios/lora/wio-e5/profile';
import type { RadioSettings } from '../../../src/radios/lora/modem-driver';
import { ModemLoop } from './loop';
import vectors from './modem-lines.json';

const EU: RadioSettings = { freq: 868_100_000, sf: 7, bw: 125, cr: '4/5' };

function loop(settings = EU, core = createEmulatorCore('wio-e5')): ModemLoop {
  return new ModemLoop(new WioE5Driver(settings), core).start();
}

test('wio-e5: init sequence enters test mode and continuous receive', () => {
  const l = loop();
  assert.deepEqual(l.written, ['AT', 'AT+MODE=TEST', 'AT+TEST=RFCFG,868.1,SF7,125,12,15,14,ON,OFF,OFF', 'AT+TEST=RXLRPKT']);
  assert.equal(l.state, 'receiving');
  assert.equal(l.core.receiving, true);
  assert.equal(l.timerMs, WIO_E5_TIMING.livenessMs);
  assert.deepEqual((l.core as WioE5Emulator).settings, { mode: 'TEST', freq: 868_100_000, sf: 7, bw: 125 });
  assert.equal(l.dropCount(), 0);
});

test('wio-e5: frequencies are written in exact MHz', () => {
  assert.equal(hzToMhz(868_100_000), '868.1');
  assert.equal(hzToMhz(868_000_000), '868');
  assert.equal(hzToMhz(867_125_000), '867.125');
  assert.equal(hzToMhz(433_175_001), '433.175001');
  const l = loop({ freq: 915_200_000, sf: 12, bw: 500, cr: '4/8' });
  assert.equal(l.written[2], 'AT+TEST=RFCFG,915.2,SF12,500,12,15,14,ON,OFF,OFF');
  assert.equal((l.core as WioE5Emulator).settings.freq, 915_200_000);
});

test('wio-e5: two-line packets; receive stays on with no command between packets', () => {
  const l = loop();
  const n = l.written.length;
  for (let i = 0; i < 30; i++) l.hear(Buffer.from([1, 2, 3, i]), -26 - i, 13 - i);
  assert.equal(l.packets.length, 30);
  assert.equal(l.written.length, n);
  const p = l.packets[29]!;
  assert.equal(p.raw.toString('hex'), '0102031d');
  assert.equal(p.rssi, -55);
  assert.equal(p.snr, -16);
  assert.equal(p.dr, 'SF7BW125');
  assert.equal(p.freq, 868_100_000);
});

test('wio-e5: public vectors (modem_lines), hex in either case', () => {
  const v = vectors.modem_lines.wio_e5;
  assert.equal(wioE5Profile.defaultBaud, 9600);
  const l = loop();
  l.feed(...(v.rx as string[]));
  assert.equal(l.packets.length, 1);
  assert.equal(l.packets[0]!.raw.toString('hex'), '001234556789abcdef');
  assert.equal(l.packets[0]!.rssi, -26);
  assert.equal(l.packets[0]!.snr, 13);
  l.feed('+TEST: LEN:2, RSSI:-40, SNR:-7.5', '+TEST: RX "aBcD"');
  assert.equal(l.packets[1]!.raw.toString('hex'), 'abcd');
  assert.equal(l.packets[1]!.snr, -7.5);
  assert.ok(l.written.includes(v.setup[1]), 'RFCFG exactly as documented');
  assert.ok(wioE5Profile.probe.matches('+VER: 4.0.11'));
  assert.ok(!wioE5Profile.probe.matches('+AT: OK'));
});

test('wio-e5: LEN mismatch, bad hex, orphan payloads and lone headers are counted drops', () => {
  const l = loop();
  l.feed('+TEST: LEN:3, RSSI:-26, SNR:13', '+TEST: RX "0102"');
  assert.equal(l.dropCount('length_mismatch'), 1);
  l.feed('+TEST: LEN:2, RSSI:-26, SNR:13', '+TEST: RX "01G2"');
  assert.equal(l.dropCount('bad_hex'), 1);
  l.feed('+TEST: RX "0102"');
  assert.equal(l.dropCount('orphan_payload'), 1);
  l.feed('+TEST: LEN:2, RSSI:-26, SNR:13', '+TEST: LEN:1, RSSI:-27, SNR:12', '+TEST: RX "FF"');
  assert.equal(l.dropCount('missing_payload'), 1);
  assert.equal(l.packets.length, 1);
  assert.equal(l.packets[0]!.rssi, -27);
  assert.equal(l.state, 'receiving');
});

test('wio-e5: an ERROR answer is counted and init retried with backoff', () => {
  const l = loop({ ...EU, freq: 1_000_000_000 });
  assert.equal(l.dropCount('modem_error'), 1);
  assert.match(l.drops[0]!.detail ?? '', /RFCFG.*ERROR\(-1\)/);
  assert.equal(l.state, 'error');
  assert.equal(l.timerMs, WIO_E5_TIMING.backoffMinMs);
  l.fireTimer();
  assert.equal(l.timerMs, WIO_E5_TIMING.backoffMinMs * 2);
});

test('wio-e5: liveness probe re-arms a deaf modem; silence → deaf → re-init → reopen', () => {
  const l = loop();
  l.core.deafen();
  const n = l.written.length;
  l.fireTimer(); // no packet for the liveness bound: probe
  assert.deepEqual(l.written.slice(n), ['AT+TEST=RXLRPKT']);
  assert.equal(l.core.receiving, true);
  assert.equal(l.state, 'receiving');
  l.connected = false;
  l.fireTimer(); // probe
  l.fireTimer(); // unanswered
  assert.ok(l.states.some((s) => s.state === 'deaf'));
  assert.equal(l.written.at(-1), 'AT');
  l.connected = true;
  l.fireTimer(); // AT unanswered too: reopen (the loop restarts the driver at once)
  assert.equal(l.reopened.length, 1);
  assert.equal(l.state, 'receiving');
  l.hear(Buffer.from('abcd', 'hex'));
  assert.equal(l.packets.length, 1);
});

test('wio-e5: the emulator answers unknown commands with ERROR and loses packets when not armed', () => {
  const core = createEmulatorCore('wio-e5');
  assert.deepEqual(core.onCommand('AT+VER'), ['+VER: 4.0.11']);
  assert.deepEqual(core.onCommand('AT+FOO=1'), ['+FOO: ERROR(-10)']);
  assert.deepEqual(core.onCommand('AT+TEST=RXLRPKT'), ['+TEST: ERROR(-12)'], 'test mode first');
  assert.deepEqual(core.hear(Buffer.from([1]), -1, 1), []);
  core.onCommand('AT+MODE=TEST');
  core.onCommand('AT+TEST=RXLRPKT');
  assert.equal(core.hear(Buffer.from([1]), -1, 1).length, 2);
  assert.equal(core.receiving, true);
  core.reset();
  assert.equal(core.receiving, false);
});
