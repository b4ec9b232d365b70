import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEmulatorCore, type EmulatedModem } from '../../../hardware/emulators/modems/index';
import { profileFor } from '../../../src/radios/lora/profiles';
import type { DriverAction, RadioSettings } from '../../../src/radios/lora/modem-driver';
import { ModemLoop, prng, randomLines } from './loop';

const SETTINGS: Record<EmulatedModem, RadioSettings> = {
  rn2483: { freq: 868_100_000, sf: 7, bw: 125, cr: '4/5' },
  rn2903: { freq: 903_900_000, sf: 8, bw: 500, cr: '4/5' },
  rak3172: { freq: 868_300_000, sf: 12, bw: 125, cr: '4/8' },
  'wio-e5': { freq: 868_500_000, sf: 9, bw: 250, cr: '4/5' },
};

/** Real lines of every family, so mutations land near the parsers' edges. */
const TEMPLATES = [
  'radio_rx  0A1B2C', 'radio_rx 00', 'radio_err', 'ok', 'invalid_param', 'busy', 'err', '4294967245', '-12',
  'RN2483 1.0.5 Oct 31 2018 15:06:52',
  'OK', 'AT_ERROR', 'AT_PARAM_ERROR', 'AT_BUSY_ERROR', '+EVT:RXP2P:-60:11:AABBCCDD', '+EVT:RXP2P RECEIVE TIMEOUT',
  '+EVT:RXP2P RECEIVE ERROR', '+EVT:RXP2P, RSSI -60, SNR 11', '+EVT:AABBCCDD', 'Current Work Mode: LoRa P2P.',
  '+AT: OK', '+MODE: TEST', '+TEST: RXLRPKT', '+TEST: LEN:4, RSSI:-26, SNR:13', '+TEST: RX "0A1B2C3D"',
  '+TEST: RFCFG F:868100000, SF7, BW125K', '+TEST: ERROR(-1)', '+VER: 4.0.11',
];

/** Actions a well-behaved driver may emit, whatever it was fed. */
function checkActions(actions: DriverAction[]): void {
  for (const a of actions) {
    if (a.type === 'write') assert.ok(!/[\r\n]/.test(a.line) && a.line.length > 0 && a.line.length < 200, a.line);
    if (a.type === 'timer') assert.ok(Number.isFinite(a.ms) && a.ms >= 0 && a.ms <= 3_600_000, String(a.ms));
    if (a.type === 'packet') assert.ok(a.packet.raw.length >= 1 && a.packet.raw.length <= 255);
    if (a.type === 'drop') assert.ok(a.cause.length > 0 && (a.detail ?? '').length <= 200);
  }
}

for (const modem of ['rn2483', 'rn2903', 'rak3172', 'wio-e5'] as const) {
  test(`${modem}: thousands of random lines never throw, are counted, and the driver recovers`, () => {
    const rand = prng(0x10ba + modem.length);
    const profile = profileFor(modem)!;
    const core = createEmulatorCore(modem, { oldFirmware: modem === 'rak3172' });
    const driver = profile.createDriver(SETTINGS[modem]);
    const l = new ModemLoop(driver, core).start();
    assert.equal(l.state, 'receiving');

    const lines = randomLines(rand, 5000, TEMPLATES);
    for (const [i, line] of lines.entries()) {
      const actions = driver.onLine(line);
      checkActions(actions);
      l.apply(actions);
      // Now and then the timer fires in the middle of the mess.
      if (i % 97 === 0) {
        const t = driver.onTimeout();
        checkActions(t);
        l.apply(t);
      }
    }
    assert.ok(l.dropCount() > 500, `drops counted (${l.dropCount()})`);
    assert.ok(l.drops.some((d) => d.cause === 'garbage'));

    // Recovery: at worst the silence/backoff timer brings it back.
    for (let i = 0; i < 10 && !(l.state === 'receiving' && core.receiving); i++) l.fireTimer();
    assert.equal(l.state, 'receiving');
    assert.equal(core.receiving, true);
    const before = l.packets.length;
    const dropsBefore = l.dropCount();
    l.hear(Buffer.from('c0ffee', 'hex'), -77, 6);
    assert.equal(l.packets.length, before + 1);
    assert.equal(l.packets.at(-1)!.raw.toString('hex'), 'c0ffee');
    assert.equal(l.packets.at(-1)!.rssi ?? -77, -77);
    assert.equal(l.dropCount(), dropsBefore, 'a clean packet after the storm drops nothing');
  });

  test(`${modem}: fuzz from every phase without a modem (driver alone)`, () => {
    const rand = prng(7 + modem.length);
    const driver = profileFor(modem)!.createDriver(SETTINGS[modem]);
    checkActions(driver.start());
    let drops = 0;
    for (const line of randomLines(rand, 3000, TEMPLATES)) {
      const a = rand() < 0.02 ? driver.onTimeout() : driver.onLine(line);
      checkActions(a);
      drops += a.filter((x) => x.type === 'drop').length;
    }
    assert.ok(drops > 0);
    // Huge and hostile single lines.
    for (const line of ['A'.repeat(1_000_000), 'radio_rx  ' + 'F'.repeat(999_999), '+EVT:RXP2P:1:1:' + '0'.repeat(600), '\u0000'.repeat(5000), '+TEST: RX "' + 'ab'.repeat(300) + '"']) {
      checkActions(driver.onLine(line));
    }
  });
}
