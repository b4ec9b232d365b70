import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BTHOME_VECTOR, type EmulatedSensor } from '../../../hardware/emulators/ble/index';
import type { AdvReport } from '../../../hardware/emulators/ble/hci-socket';
import { BLE_COUNTER_FILE } from '../../../src/radios/ble/counter-store';
import { ReplayGuard } from '../../../src/radios/ble/replay-guard';
import { DropCounter } from '../../../src/util/drop-counter';
import { FakeClock, makeRig, memoryLogger, waitFor, type Rig } from './helpers';

// Issue 10 item 8: the highest authenticated counter of an encrypted sensor lived in memory
// only, so after each restart one recorded frame could be replayed and was accepted as
// authenticated. These drive the real decoder registry through noble's HCI code.

const running = (rig: Rig) => rig.adapter.status().state === 'running';
const SENSOR = { kind: 'bthome-encrypted' as const, mac: BTHOME_VECTOR.mac, key: BTHOME_VECTOR.key, counter: 1000 };

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-ble-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Sends the sensor's next measurement and returns its reports (a recording an attacker could make). */
function measure(rig: Rig, sensor: EmulatedSensor): AdvReport[] {
  const reports = sensor.next();
  rig.emu.socket.advertise(reports);
  return reports;
}

test('after a restart with the same state dir, a recorded old frame is refused as a replay', async (t) => {
  const stateDir = tempDir(t);
  const first = await makeRig({ stateDir, decode: null, sensors: [SENSOR] });
  let recordedOld: AdvReport[];
  let recordedLast: AdvReport[];
  try {
    await waitFor(() => running(first), 'adapter running');
    await first.adapter.pair(BTHOME_VECTOR.mac, { key: BTHOME_VECTOR.key });
    const sensor = first.emu.sensors[0];
    recordedOld = measure(first, sensor);
    await waitFor(() => first.readings.length === 1, 'first reading');
    recordedLast = measure(first, sensor);
    await waitFor(() => first.readings.length === 2, 'second reading');
    assert.equal(first.readings[1].authenticated, true);
  } finally {
    await first.close();
  }
  const file = join(stateDir, BLE_COUNTER_FILE);
  assert.equal(statSync(file).mode & 0o777, 0o640, 'counter file mode 0640');
  assert.ok(!readFileSync(file, 'utf8').includes(BTHOME_VECTOR.key), 'no key in the counter file');

  const second = await makeRig({ stateDir, decode: null, sensors: [SENSOR] });
  t.after(() => second.close());
  await waitFor(() => running(second), 'restarted adapter running');
  second.emu.socket.advertise(recordedOld);
  await waitFor(() => (second.adapter.status().drops.replay ?? 0) >= 1, 'old frame refused as replay');
  second.emu.socket.advertise(recordedLast);
  await waitFor(() => (second.adapter.status().drops.duplicate ?? 0) >= 1, 'the last accepted frame again is a duplicate');
  assert.equal(second.readings.length, 0, 'nothing replayed was forwarded');
  // the genuine sensor goes on where it was
  const sensor = second.emu.sensors[0];
  sensor.counter = 1002;
  measure(second, sensor);
  await waitFor(() => second.readings.length === 1, 'the next genuine frame is accepted');
  assert.equal(second.readings[0].authenticated, true);
});

test('a sensor whose counter restarted while the gateway was down is accepted after a minute of refusals', async (t) => {
  const stateDir = tempDir(t);
  const first = await makeRig({ stateDir, decode: null, sensors: [SENSOR] });
  try {
    await waitFor(() => running(first), 'adapter running');
    await first.adapter.pair(BTHOME_VECTOR.mac, { key: BTHOME_VECTOR.key });
    first.emu.advertiseAll();
    await waitFor(() => first.readings.length === 1, 'first reading');
  } finally {
    await first.close();
  }
  const clock = new FakeClock();
  const second = await makeRig({ stateDir, clock, decode: null, sensors: [{ ...SENSOR, counter: 1 }] });
  t.after(() => second.close());
  await waitFor(() => running(second), 'restarted adapter running');
  for (let i = 0; i < 4; i++) {
    second.emu.advertiseAll();
    clock.advance(20_000);
  }
  await waitFor(() => (second.adapter.status().drops.replay ?? 0) >= 4, 'refused as replays');
  assert.equal(second.readings.length, 0);
  second.emu.advertiseAll();
  await waitFor(() => (second.adapter.status().drops.counter_reset ?? 0) === 1, 'counter reset noted');
  second.emu.advertiseAll();
  await waitFor(() => second.readings.length >= 1, 'readings resume');
});

test('counters that cannot be written: counted, and an alarm-worthy adapter state until a write succeeds', async (t) => {
  const stateDir = tempDir(t);
  // a directory where the file goes: the atomic rename fails, as on a read-only or broken card
  const file = join(stateDir, BLE_COUNTER_FILE);
  mkdirSync(file);
  writeFileSync(join(file, 'x'), '');
  const rig = await makeRig({ stateDir, decode: null, sensors: [SENSOR], counterFlushMs: 10 });
  t.after(() => rig.close());
  await rig.adapter.pair(BTHOME_VECTOR.mac, { key: BTHOME_VECTOR.key });
  await waitFor(() => rig.loaded()?.noble.state === 'poweredOn', 'radio up');
  rig.emu.advertiseAll();
  await waitFor(() => rig.readings.length === 1, 'reading');
  await waitFor(() => /cannot write/.test(rig.adapter.status().detail ?? ''), 'write failure in the status');
  const st = rig.adapter.status();
  assert.equal(st.state, 'degraded', 'degraded while counters are not persisted');
  assert.match(st.detail ?? '', /cannot write .*ble-counters\.json.*replay counters not persisted/);
  assert.ok((st.drops.counter_store_error ?? 0) >= 1, 'write failures counted');
  rmSync(file, { recursive: true });
  await waitFor(() => rig.adapter.status().state === 'running', 'alarm cleared by the next successful write');
  assert.ok(JSON.parse(readFileSync(file, 'utf8')).counters[BTHOME_VECTOR.mac]);
});

test('an unreadable counter file: started empty, said so in the adapter status', async (t) => {
  const stateDir = tempDir(t);
  writeFileSync(join(stateDir, BLE_COUNTER_FILE), '{not json');
  const rig = await makeRig({ stateDir, decode: null, sensors: [SENSOR] });
  t.after(() => rig.close());
  await waitFor(() => rig.adapter.status().state !== 'starting', 'adapter up');
  const st = rig.adapter.status();
  assert.equal(st.state, 'degraded');
  assert.match(st.detail ?? '', /unreadable at start \(not valid JSON\): replay counters started empty/);
});

test('8-bit counters (pvvx, atc1441) wrap: newer means less than half the range ahead', (t) => {
  const dir = tempDir(t);
  const drops = new DropCounter();
  const guard = new ReplayGuard(dir, memoryLogger().log, drops);
  guard.open(() => true);
  t.after(() => guard.close());
  const entry = { mac: 'a4c138000001', rssi: -50, lastSeenMs: 0 };
  guard.accepted(entry, 'pvvx', 250, undefined);
  assert.equal(guard.judge(entry.mac, 'pvvx', 250), 'duplicate');
  assert.equal(guard.judge(entry.mac, 'pvvx', 3), 'fresh', 'wrapped past 255');
  assert.equal(guard.judge(entry.mac, 'pvvx', 251), 'fresh');
  assert.equal(guard.judge(entry.mac, 'pvvx', 200), 'replay');
  assert.equal(guard.judge(entry.mac, 'pvvx', 123), 'replay', 'half the range ahead is behind');
  // wide counters only grow, and the counter of another format says nothing
  guard.accepted(entry, 'bthome', 70_000, undefined);
  assert.equal(guard.judge(entry.mac, 'bthome', 3), 'replay');
  assert.equal(guard.judge(entry.mac, 'bthome', 70_001), 'fresh');
  assert.equal(guard.judge(entry.mac, 'mibeacon', 1), 'fresh');
  // unpaired while the gateway was down: forgotten at the next open
  guard.close();
  const again = new ReplayGuard(dir, memoryLogger().log, drops);
  again.open((mac) => mac !== entry.mac);
  t.after(() => again.close());
  assert.equal(again.lastCounter(entry.mac), undefined);
});
