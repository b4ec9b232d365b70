import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rn2483Emulator, createEmulatorCore } from '../../../hardware/emulators/modems/index';
import { Rn2483Driver, RN2483_TIMING } from '../../../src/radios/lora/rn2483/driver';
import { decodeModemHex } from '../../../src/radios/lora/hex';
import { rn2483Profile } from '../../../src/radios/lora/rn2483/profile';
import type { RadioSettings } from '../../../src/radios/lora/modem-driver';
import { ModemLoop } from './loop';
import vectors from './modem-lines.json';

const EU: RadioSettings = { freq: 868_100_000, sf: 7, bw: 125, cr: '4/5' };
const US: RadioSettings = { freq: 903_900_000, sf: 10, bw: 125, cr: '4/5' };

function loop(settings = EU, core = createEmulatorCore('rn2483')): ModemLoop {
  return new ModemLoop(new Rn2483Driver(settings), core).start();
}

test('rn2483: init sends the documented sequence and arms receive', () => {
  const l = loop();
  assert.deepEqual(l.written, [
    'radio rxstop',
    'sys get ver',
    'mac pause',
    'radio set mod lora',
    'radio set freq 868100000',
    'radio set sf sf7',
    'radio set bw 125',
    'radio set cr 4/5',
    'radio set wdt 0',
    'radio rx 0',
  ]);
  assert.equal(l.state, 'receiving');
  assert.equal(l.core.receiving, true);
  assert.equal(l.timerMs, RN2483_TIMING.livenessMs, 'armed receive only keeps the liveness deadline');
  const radio = (l.core as Rn2483Emulator).radio;
  assert.deepEqual(radio, { mod: 'lora', freq: 868_100_000, sf: 'sf7', bw: 125, cr: '4/5', wdt: 0, paused: true });
});

test('rn2483: packet → snr + rssi queries → packet with metadata → re-armed', () => {
  const l = loop();
  const before = l.written.length;
  l.hear(Buffer.from('40f17dbe4900020001954378762b11ff0d', 'hex'), -47, 8);
  assert.equal(l.packets.length, 1);
  const p = l.packets[0]!;
  assert.equal(p.raw.toString('hex'), '40f17dbe4900020001954378762b11ff0d');
  assert.equal(p.snr, 8);
  assert.equal(p.rssi, -47);
  assert.equal(p.freq, 868_100_000);
  assert.equal(p.dr, 'SF7BW125');
  assert.deepEqual(l.written.slice(before), ['radio get snr', 'radio get pktrssi', 'radio rx 0']);
  assert.equal(l.core.receiving, true, 're-armed after the packet');
  assert.equal(l.dropCount(), 0);
  // Many packets in a row keep working.
  for (let i = 0; i < 50; i++) l.hear(Buffer.from([i, 0xab]), -100 + i, -5);
  assert.equal(l.packets.length, 51);
  assert.equal(l.packets[50]!.rssi, -51);
  assert.equal(l.packets[50]!.snr, -5);
  assert.equal(l.core.receiving, true);
});

test('rn2483: mac pause is renewed every 256 packets so the LoRaWAN MAC never resumes', () => {
  const l = loop();
  const pausesAtInit = l.written.filter((w) => w === 'mac pause').length;
  for (let i = 0; i < 600; i++) l.hear(Buffer.from([i & 0xff]), -90, 2);
  assert.equal(l.packets.length, 600);
  assert.equal(l.written.filter((w) => w === 'mac pause').length - pausesAtInit, 2);
  assert.equal(l.dropCount(), 0);
  assert.equal(l.core.receiving, true);
});

test('rn2903: RSSI via `radio get rssi`, learned once; US frequency', () => {
  const l = loop(US, createEmulatorCore('rn2903'));
  assert.equal(l.state, 'receiving');
  l.hear(Buffer.from('0102', 'hex'), -80, -3);
  assert.equal(l.packets[0]!.rssi, -80);
  assert.equal(l.packets[0]!.dr, 'SF10BW125');
  assert.ok(l.written.includes('radio get rssi'));
  assert.ok(!l.written.includes('radio get pktrssi'));
});

test('rn2483: falls back to the other RSSI query name and remembers it', () => {
  const core = new Rn2483Emulator({ family: 'RN2483', rssiCommands: ['radio get rssi'] });
  const l = loop(EU, core);
  l.hear(Buffer.from('aa', 'hex'), -70, 1);
  assert.equal(l.packets[0]!.rssi, -70);
  assert.equal(l.dropCount(), 0, 'capability probing is not a drop');
  const n = l.written.length;
  l.hear(Buffer.from('bb', 'hex'), -71, 2);
  assert.deepEqual(l.written.slice(n), ['radio get snr', 'radio get rssi', 'radio rx 0']);
  assert.equal(l.packets[1]!.rssi, -71);
});

test('rn2483: old firmware without any RSSI query still delivers packets (snr only)', () => {
  const l = loop(EU, createEmulatorCore('rn2483', { oldFirmware: true }));
  l.hear(Buffer.from('cafe', 'hex'), -70, 4);
  l.hear(Buffer.from('beef', 'hex'), -70, 5);
  assert.equal(l.packets.length, 2);
  assert.equal(l.packets[0]!.rssi, undefined);
  assert.equal(l.packets[1]!.snr, 5);
  assert.equal(l.written.filter((w) => w.includes('rssi')).length, 2, 'each name asked once, then never again');
  assert.equal(l.core.receiving, true);
});

test('rn2483: radio_rx with one or many spaces, hex of either case', () => {
  const l = loop();
  for (const line of ['radio_rx 0a0B', 'radio_rx  0A0b', 'radio_rx     0a0b', 'radio_rx\t0A0B']) {
    l.feed(line);
    assert.equal(l.state, 'receiving');
  }
  assert.equal(l.packets.length, 4);
  for (const p of l.packets) assert.equal(p.raw.toString('hex'), '0a0b');
});

test('rn2483: radio_err re-arms without counting a drop', () => {
  const l = loop();
  const n = l.written.length;
  l.feed(...l.core.hearCorrupt());
  assert.deepEqual(l.written.slice(n), ['radio rx 0']);
  assert.equal(l.core.receiving, true);
  assert.equal(l.dropCount(), 0);
});

test('rn2483: bad hex is a counted drop and receive is re-armed', () => {
  const l = loop();
  for (const bad of ['radio_rx  ABC', 'radio_rx  zz', 'radio_rx  ', 'radio_rx  ' + 'AB'.repeat(300)]) {
    l.core.onCommand('radio rxstop');
    l.feed(bad);
    assert.equal(l.core.receiving, true, bad);
  }
  assert.equal(l.dropCount('bad_hex'), 4);
  assert.equal(l.packets.length, 0);
});

test('rn2483: re-arm unanswered → deaf → init from the start; silent again → port reopened', () => {
  const l = loop();
  l.connected = false; // modem unplugged on the UART side but the port stays open
  l.feed('radio_err'); // re-arm attempt gets no answer
  assert.equal(l.timerMs, RN2483_TIMING.commandTimeoutMs);
  l.fireTimer();
  // It was receiving: a silent modem now is a deaf one (and stays so while re-initialising).
  assert.equal(l.state, 'deaf');
  assert.match(l.states.at(-1)?.detail ?? '', /no answer to "radio rx 0" while receiving/);
  assert.equal(l.written.at(-1), 'radio rxstop', 'radio state unknown after a lost answer');
  l.connected = true;
  l.fireTimer(); // second silent timeout in a row: reopen the port (the loop restarts the driver)
  assert.deepEqual(l.reopened, ['modem silent: no answer to "radio rxstop"']);
  assert.equal(l.state, 'receiving');
  assert.equal(l.core.receiving, true);
});

test('rn2483: liveness: a quiet channel is probed; "busy" means listening, "ok" means it was off (counted)', () => {
  const l = loop();
  const n = l.written.length;
  l.fireTimer(); // no packet for the liveness bound
  assert.deepEqual(l.written.slice(n), ['radio rx 0']);
  assert.equal(l.state, 'receiving');
  assert.equal(l.timerMs, RN2483_TIMING.livenessMs);
  assert.equal(l.dropCount(), 0, 'busy: it was listening');
  l.core.deafen();
  l.fireTimer();
  assert.equal(l.core.receiving, true, 're-armed');
  assert.equal(l.dropCount('receive_off'), 1);
  l.hear(Buffer.from('0102', 'hex'));
  assert.equal(l.packets.length, 1);
});

test('rn2483: a packet line lost in an over-long line or mangled by noise is followed by a re-arm at once', () => {
  const l = loop();
  l.core.hear(Buffer.from('0102', 'hex'), -40, 5); // the modem printed radio_rx (now off) ...
  l.lineLost(); // ... but the line went down with the discarded bytes
  assert.equal(l.core.receiving, true, 're-armed without waiting for a timer');
  l.core.hear(Buffer.from('0304', 'hex'), -40, 5);
  l.feed('\x07\x13#radio_rx  0304'); // garbage glued to the front of the packet line
  assert.equal(l.core.receiving, true);
  assert.equal(l.dropCount('garbage'), 1);
  assert.equal(l.dropCount('receive_off'), 2);
  l.hear(Buffer.from('0506', 'hex'));
  assert.deepEqual(l.packets.map((p) => p.raw.toString('hex')), ['0506']);
  assert.equal(l.state, 'receiving');
});

test('rn2483: a modem that stops answering is reported deaf, re-initialised, then reopened', () => {
  const l = loop();
  l.connected = false;
  l.fireTimer(); // liveness: probe
  l.fireTimer(); // probe unanswered
  assert.equal(l.state, 'deaf', 'and stays deaf while re-initialising');
  assert.equal(l.written.at(-1), 'radio rxstop');
  assert.ok(l.states.some((s) => s.state === 'deaf' && /no answer to probe "radio rx 0"/.test(s.detail ?? '')));
  l.fireTimer(); // re-init unanswered as well
  assert.equal(l.reopened.length, 1);
  l.connected = true;
  l.fireTimer(); // the first command after the reopen got no answer (loop was disconnected): init again
  assert.equal(l.state, 'receiving');
  assert.equal(l.core.receiving, true);
});

test('rn2483: timeout while reading SNR still delivers the packet', () => {
  const l = loop();
  l.connected = false;
  l.feed('radio_rx  0102');
  assert.equal(l.packets.length, 0, 'waiting for snr');
  l.fireTimer();
  assert.equal(l.packets.length, 1);
  assert.equal(l.packets[0]!.raw.toString('hex'), '0102');
});

test('rn2483: invalid_param (frequency out of band) is counted, backs off, retries', () => {
  const l = loop({ ...EU, freq: 915_000_000 });
  assert.equal(l.dropCount('modem_error'), 1);
  assert.match(l.drops[0]!.detail ?? '', /radio set freq 915000000: invalid_param/);
  assert.equal(l.state, 'error');
  assert.equal(l.timerMs, RN2483_TIMING.backoffMinMs);
  l.fireTimer();
  assert.equal(l.timerMs, RN2483_TIMING.backoffMinMs * 2, 'exponential backoff');
  for (let i = 0; i < 20; i++) l.fireTimer();
  assert.equal(l.timerMs, RN2483_TIMING.backoffMaxMs);
  assert.equal(l.dropCount('modem_error'), 22);
});

test('rn2483: receive left on by a previous run is stopped at start, no drop', () => {
  const core = createEmulatorCore('rn2483');
  core.onCommand('mac pause');
  core.onCommand('radio rx 0');
  assert.equal(core.receiving, true);
  const l = loop(EU, core);
  assert.equal(l.dropCount(), 0);
  assert.equal(l.state, 'receiving');
  l.hear(Buffer.from('01', 'hex'));
  assert.equal(l.packets.length, 1);
});

test('rn2483: busy during init is counted; the retry stops receive first', () => {
  const d = new Rn2483Driver(EU);
  d.start();
  const acts = [...d.onLine('ok'), ...d.onLine('RN2483 1.0.5 Oct 31 2018 15:06:52'), ...d.onLine('4294967245'), ...d.onLine('busy')];
  assert.ok(acts.some((a) => a.type === 'drop' && a.cause === 'modem_error' && /radio set mod lora: busy/.test(a.detail ?? '')));
  assert.ok(acts.some((a) => a.type === 'state' && a.state === 'error'));
  assert.deepEqual(acts.at(-1), { type: 'timer', ms: RN2483_TIMING.backoffMinMs });
  const retry = d.onTimeout();
  assert.deepEqual(retry.find((a) => a.type === 'write'), { type: 'write', line: 'radio rxstop' });
  // Old firmware without rxstop: invalid_param is ignored and init goes on.
  const next = d.onLine('invalid_param');
  assert.deepEqual(next.find((a) => a.type === 'write'), { type: 'write', line: 'sys get ver' });
  assert.ok(!next.some((a) => a.type === 'drop'));
});

test('rn2483: answers err / busy to a query count but keep the packet', () => {
  const d = new Rn2483Driver(EU);
  const acts = [...d.start()];
  const answers = ['ok', 'RN2483 1.0.5 Oct 31 2018 15:06:52', '4294967245', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'];
  for (const a of answers) acts.push(...d.onLine(a));
  assert.ok(acts.some((a) => a.type === 'state' && a.state === 'receiving'));
  const r1 = d.onLine('radio_rx  AABB');
  assert.deepEqual(r1.filter((a) => a.type === 'write'), [{ type: 'write', line: 'radio get snr' }]);
  const r2 = d.onLine('err');
  assert.ok(r2.some((a) => a.type === 'drop' && a.cause === 'modem_error'));
  const r3 = d.onLine('busy');
  const pkt = r3.find((a) => a.type === 'packet');
  assert.ok(pkt && pkt.type === 'packet' && pkt.packet.snr === undefined && pkt.packet.raw.length === 2);
  assert.deepEqual(r3.filter((a) => a.type === 'write'), [{ type: 'write', line: 'radio rx 0' }]);
});

test('rn2483: a version banner while receiving means the modem reset: re-init', () => {
  const l = loop();
  l.core.reset();
  const n = l.written.length;
  l.feed('RN2483 1.0.5 Oct 31 2018 15:06:52');
  assert.equal(l.written[n], 'sys get ver');
  assert.equal(l.state, 'receiving');
  assert.equal(l.core.receiving, true);
});

test('rn2483: public vectors (modem_lines)', () => {
  const v = vectors.modem_lines.rn2483;
  assert.equal(v.baud, rn2483Profile.defaultBaud);
  assert.equal(rn2483Profile.eol, '\r\n');
  assert.match(v.rx, /two spaces/);
  const l = loop();
  l.feed('radio_rx  001234556789ABCDEF');
  assert.equal(l.packets[0]!.raw.toString('hex'), '001234556789abcdef');
  l.feed('radio_err');
  assert.equal(l.written.at(-1), 'radio rx 0');
  assert.ok(v.setup.some((s: string) => s.startsWith('mac pause')));
  assert.ok(rn2483Profile.probe.matches('RN2903 1.0.5 Oct 31 2018 15:06:52'));
  assert.ok(!rn2483Profile.probe.matches('ok'));
});

test('rn2483: decodeModemHex rejects what real firmware never prints', () => {
  assert.equal(decodeModemHex('aBcD')?.toString('hex'), 'abcd');
  for (const bad of ['', 'a', 'abc', 'gg', '0x12', 'ab cd', 'AB'.repeat(256)]) assert.equal(decodeModemHex(bad), undefined, bad);
});
