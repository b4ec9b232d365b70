import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Gateway, type Assembly } from '../../src/gateway';
import { currentAlarms, type StatusSources } from '../../src/gateway/status';
import type { AdapterState } from '../../src/radios/adapter';
import { FCNT_STATE_FILE } from '../../src/radios/lora/lorawan/fcnt-store';
import { quiet, tempConfig } from './helpers';

test('persistence errors the gateway sees are alarms in status: seq file and LoRaWAN FCnt store', { timeout: 20_000 }, async (t) => {
  const c = tempConfig();
  const state = c.cfg.state_dir;
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'seq'), '500\n');
  mkdirSync(join(state, `seq.tmp-${process.pid}`)); // the seq reservation cannot be written
  writeFileSync(join(state, FCNT_STATE_FILE), '{not json'); // FCnt state lost
  const gw = new Gateway(c.cfg, quiet);
  t.after(async () => {
    await gw.stop().catch(() => undefined);
    c.done();
  });
  await gw.start();
  const alarms = gw.status().alarms;
  assert.equal(alarms.length, 2, alarms.join('\n'));
  assert.match(alarms[0], /^seq: .*not persisted/);
  assert.match(alarms[1], /^lorawan fcnt: .*unreadable at start/);
});

test('a state dir the gateway creates is 0750 (issue 10, item 9)', { timeout: 20_000 }, async (t) => {
  const old = process.umask(0o022);
  const c = tempConfig();
  const gw = new Gateway(c.cfg, quiet);
  t.after(async () => {
    process.umask(old);
    await gw.stop().catch(() => undefined);
    c.done();
  });
  await gw.start();
  assert.equal(statSync(c.cfg.state_dir).mode & 0o777, 0o750);
  assert.equal(statSync(join(c.cfg.state_dir, 'seq')).mode & 0o777, 0o640);
  assert.deepEqual(gw.status().alarms, []);
});

test('every degraded or deaf adapter and every sink alarm is an alarm with its detail', () => {
  const adapter = (name: string, state: AdapterState, detail?: string) => ({
    adapter: { name, start: async () => undefined, stop: async () => undefined, status: () => ({ name, kind: 'rn2483', state, detail, received: 0, drops: {} }) },
  });
  const parts = {
    adapters: [adapter('lora0', 'running'), adapter('lora1', 'deaf', 'no radio_rx for 3 s: re-arming'), adapter('lora2', 'deaf'), adapter('ble0', 'degraded', 'hci0 down')],
    sinks: [{ sink: { name: 'publish', status: () => ({}) } }, { sink: { name: 'nats', status: () => ({ alarm: 'credentials refused' }) } }],
    lora: { alarm: undefined },
    curve: { alarm: undefined },
  } as unknown as Assembly;
  assert.deepEqual(currentAlarms({ parts, seq: undefined } as unknown as StatusSources), [
    'nats: credentials refused',
    'lora1: no radio_rx for 3 s: re-arming',
    'lora2: deaf: not hearing, re-arming',
    'ble0: hci0 down',
  ]);
});
