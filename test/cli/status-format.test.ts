import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStatus } from '../../src/cli/commands/status';
import type { GatewayStatus } from '../../src/control/protocol';
import { countsText, explainedLines, meaning } from '../../src/cli/counter-words';

const status = {
  version: '0.1.0', gateway: 'demo', pid: 1, startedAt: new Date(0).toISOString(), uptimeS: 70, seq: '133',
  readings: { total: 132, perSecond: 12.7 },
  drops: { duplicate: 3 },
  adapters: [
    { name: 'lora0', kind: 'rn2483', state: 'running', received: 22, drops: { garbage: 1 } },
    { name: 'ble0', kind: 'ble', state: 'running', received: 132, drops: { duplicate: 88, brand_new_cause: 5 } },
  ],
  sinks: [{ name: 'publish', kind: 'publish', state: 'listening', cursor: '133', inFlight: 0, backlog: { messages: 0, bytes: 0 }, drops: {} }],
  decoders: { lorawan: { decoded: 7, authenticated: 7, raw: 7, codec_error: 0 } },
  alarms: [],
} as unknown as GatewayStatus;

test('status: the two duplicate counters each say what they count, one line each', () => {
  const lines = formatStatus(status, Date.now()).split('\n');
  const gw = lines.find((l) => l.startsWith('  gateway duplicate: 3 ('));
  const ble = lines.find((l) => l.startsWith('  ble0 duplicate: 88 ('));
  assert.ok(gw && /dedup\.window_ms/.test(gw), lines.join('\n'));
  assert.ok(ble && /sensor repeated an advert/.test(ble), lines.join('\n'));
  assert.notEqual(meaning('gateway', 'duplicate'), meaning('ble', 'duplicate'));
  assert.ok(lines.includes('  lora0 garbage: 1 (bytes on the serial line that are not the modem\'s protocol)'));
  assert.ok(lines.includes('  ble0 brand_new_cause: 5'), 'a counter without words is still shown');
});

test('status: decoder counters read with spaces, zeros left out, each explained', () => {
  const text = formatStatus(status, Date.now());
  assert.match(text, /\n {2}lorawan: decoded 7, authenticated 7, raw 7\n {4}decoded: 7 \(frames whose payload a codec turned into fields\)\n/);
  assert.doesNotMatch(text, /decoded=7|,authenticated/);
  assert.doesNotMatch(text, /codec_error/);
  assert.equal(countsText({ a: 0 }), 'none');
  assert.deepEqual(explainedLines('x', { a: 0 }), []);
});
