import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BTHOME_VECTOR, OPCODES } from '../../../hardware/emulators/ble/index';
import { FakeClock, makeRig, waitFor } from './helpers';
import { stubDecode } from './stub-decoder';
import { formatMac } from '../../../src/radios/ble/pairing';

const running = (rig: { adapter: { status(): { state: string } } }) => rig.adapter.status().state === 'running';

test('scanning starts only after poweredOn, with duplicates allowed', async () => {
  const exitListeners = process.listeners('exit').length;
  const sigintListeners = process.listeners('SIGINT').length;
  const rig = await makeRig();
  const enables: { state: string; filterDuplicates: boolean }[] = [];
  rig.emu.socket.events.on('scanEnable', (on: boolean) => {
    if (on) enables.push({ state: rig.loaded()!.noble.state, filterDuplicates: rig.emu.socket.filterDuplicates });
  });
  try {
    await waitFor(() => running(rig), 'adapter running');
    assert.ok(enables.length >= 1, 'scan was enabled');
    for (const e of enables) assert.deepEqual(e, { state: 'poweredOn', filterDuplicates: false });
    // noble's own init sequence ran over the emulated HCI socket
    assert.equal(rig.emu.socket.count(OPCODES.readLocalVersion), 1);
    assert.equal(rig.emu.socket.count(OPCODES.readBdAddr), 1);
    // noble's SIGINT handler would process.exit(1) before the gateway drains: removed at init
    assert.equal(process.listeners('SIGINT').length, sigintListeners);
  } finally {
    await rig.close();
  }
  assert.equal(process.listeners('exit').length, exitListeners, 'noble exit handler removed on stop');
});

test('every emulated sensor gives readings with fmt/fields, only once paired', async () => {
  const rig = await makeRig();
  try {
    await waitFor(() => running(rig), 'adapter running');
    rig.emu.advertiseAll();
    await waitFor(() => rig.adapter.nearby().length === 5, 'all five sensors nearby');
    assert.equal(rig.readings.length, 0, 'nothing forwarded before pairing (forward=paired)');
    const fmts = Object.fromEntries(rig.adapter.nearby().map((d) => [d.mac, d.fmt]));
    assert.equal(fmts[formatMac(BTHOME_VECTOR.mac)], 'bthome', 'encrypted BTHome recognised even without key');

    for (const s of rig.emu.sensors) await rig.adapter.pair(s.mac, { name: s.name, ...(s.key ? { key: s.key } : {}) });
    rig.emu.advertiseAll();
    await waitFor(() => rig.emu.sensors.every((s) => rig.byDevice(s.mac).length >= 1), 'a reading from every sensor');

    const one = (mac: string) => rig.byDevice(mac)[0];
    const enc = one(BTHOME_VECTOR.mac);
    assert.equal(enc.fmt, 'bthome');
    assert.equal(enc.authenticated, true);
    assert.equal(enc.keySource?.kind, 'counter');
    assert.equal(enc.keySource.kind === 'counter' && enc.keySource.mac, BTHOME_VECTOR.mac);
    const encSensor = rig.emu.sensors.find((s) => s.mac === BTHOME_VECTOR.mac)!;
    assert.equal(enc.fields?.temperature, encSensor.temperatureAt(1));

    for (const s of rig.emu.sensors) {
      const r = one(s.mac);
      assert.equal(r.radio, 'ble');
      assert.equal(r.src, 'ble0');
      assert.match(r.device, /^[0-9a-f]{12}$/);
      assert.ok(r.fmt && r.fields, `${s.kind} decoded`);
      assert.ok(Buffer.isBuffer(r.raw) && r.raw.length > 0);
      assert.equal(r.rssi, -60);
      if (s.kind === 'ibeacon') assert.equal(r.keySource, undefined, 'no counter: pipeline keys by payload run');
      else assert.equal(r.keySource?.kind, 'counter', `${s.kind} keyed by counter`);
    }
    // each sensor repeats its advert: the repeats are counted duplicates, not readings
    assert.ok((rig.adapter.status().drops.duplicate ?? 0) >= 4);
    const counterReadings = rig.readings.filter((r) => r.keySource);
    const keys = new Set(counterReadings.map((r) => `${r.device}/${(r.keySource as { counter: number }).counter}`));
    assert.equal(keys.size, counterReadings.length, 'no counter forwarded twice');
    const listed = JSON.stringify(rig.adapter.devices());
    assert.ok(!listed.includes(BTHOME_VECTOR.key), 'devices() never shows keys');
    assert.ok(rig.adapter.devices().find((d) => d.mac === formatMac(BTHOME_VECTOR.mac))?.hasKey, 'devices() prints MACs as aa:bb:cc:dd:ee:ff');
  } finally {
    await rig.close();
  }
});

test('pair at runtime takes effect at once; unpair stops readings', async () => {
  const rig = await makeRig({ sensors: [{ kind: 'bthome', mac: 'A4:C1:38:00:00:01', intervalMs: 10 }] });
  const mac = 'a4c138000001';
  try {
    await waitFor(() => running(rig), 'adapter running');
    rig.emu.start();
    await waitFor(() => rig.adapter.nearby().some((d) => d.mac === 'a4:c1:38:00:00:01'), 'sensor heard');
    assert.equal(rig.readings.length, 0);
    const dev = await rig.adapter.pair('A4-C1-38-00-00-01', { name: 'kitchen' });
    assert.deepEqual({ mac: dev.mac, name: dev.name, hasKey: dev.hasKey }, { mac: 'a4:c1:38:00:00:01', name: 'kitchen', hasKey: false });
    await waitFor(() => rig.byDevice(mac).length >= 3, 'readings after pairing');
    assert.equal(await rig.adapter.unpair('a4:c1:38:00:00:01'), true);
    const n = rig.byDevice(mac).length;
    const heard = rig.emu.sensors[0].sent;
    await waitFor(() => rig.emu.sensors[0].sent >= heard + 5, 'sensor kept advertising');
    assert.equal(rig.byDevice(mac).length, n, 'no readings after unpair');
    assert.equal(await rig.adapter.unpair(mac), false);
  } finally {
    await rig.close();
  }
});

test('after an unpair, scan forgets what it glanced before the pairing; the next advert is glanced at once', async () => {
  const rig = await makeRig({ sensors: [{ kind: 'bthome', mac: 'A4:C1:38:00:00:02' }] });
  const mac = 'a4c138000002';
  const shown = () => rig.adapter.nearby().find((d) => d.mac === 'a4:c1:38:00:00:02');
  try {
    await waitFor(() => running(rig), 'adapter running');
    rig.emu.advertiseAll();
    await waitFor(() => shown()?.fields !== undefined, 'glanced before pairing');
    const before = shown()!.fields!.temperature;
    await rig.adapter.pair(mac, {});
    for (let i = 1; i <= 3; i++) {
      rig.emu.advertiseAll();
      await waitFor(() => rig.byDevice(mac).length >= i, `reading ${i} while paired`);
    }
    assert.equal(await rig.adapter.unpair(mac), true);
    const after = shown();
    assert.ok(after, 'still listed as nearby');
    assert.equal(after.paired, false);
    assert.equal(after.fields, undefined, `no pre-pairing fields (temperature ${before}) shown as current`);
    assert.equal(after.fmt, undefined);
    rig.emu.advertiseAll();
    const sensor = rig.emu.sensors[0];
    await waitFor(() => shown()?.fields !== undefined, 'the next advert is glanced');
    assert.equal(shown()!.fmt, 'bthome');
    // next() counts the measurement after sending it: the last one sent is number sent - 1.
    assert.equal(shown()!.fields!.temperature, sensor.temperatureAt(sensor.sent - 1));
    assert.notEqual(shown()!.fields!.temperature, before);
  } finally {
    await rig.close();
  }
});

test('an adapter power cycle: scanning resumes by itself', async () => {
  const rig = await makeRig({ sensors: [{ kind: 'atc1441', mac: 'a4c138d5d498', intervalMs: 20 }] });
  try {
    await rig.adapter.pair('a4c138d5d498', {});
    await waitFor(() => running(rig), 'adapter running');
    rig.emu.start();
    await waitFor(() => rig.readings.length >= 2, 'readings before the power cycle');
    await rig.emu.powerCycle();
    await waitFor(() => rig.adapter.restarts!.powerCycle === 1, 'power cycle noticed and scan restarted');
    const n = rig.readings.length;
    await waitFor(() => rig.readings.length >= n + 3, 'readings flow again after the power cycle');
    assert.equal(rig.adapter.status().state, 'running');
    assert.equal(rig.emu.socket.scanEnabled, true);
  } finally {
    await rig.close();
  }
});

test('an unexpected scanStop: scanning resumes', async () => {
  const rig = await makeRig({ sensors: [{ kind: 'bthome', mac: 'a4c138000001', intervalMs: 10 }] });
  try {
    await rig.adapter.pair('a4c138000001', {});
    await waitFor(() => running(rig), 'adapter running');
    rig.emu.start();
    await waitFor(() => rig.readings.length >= 2, 'readings before scanStop');
    const enables = rig.emu.socket.stats.scanEnables;
    rig.emu.dropScan();
    await waitFor(() => rig.adapter.restarts!.scanStop === 1, 'scanStop noticed');
    await waitFor(() => rig.emu.socket.stats.scanEnables > enables && rig.emu.socket.scanEnabled, 'scan re-enabled');
    const n = rig.readings.length;
    await waitFor(() => rig.readings.length >= n + 3, 'readings flow again');
  } finally {
    await rig.close();
  }
});

test('watchdog restarts scanning after watchdog_s without adverts (manual clock)', async () => {
  const clock = new FakeClock();
  const rig = await makeRig({ clock, watchdogMs: 10_000, sensors: [{ kind: 'bthome', mac: 'a4c138000001' }] });
  try {
    await waitFor(() => running(rig), 'adapter running');
    const enables = rig.emu.socket.stats.scanEnables;
    clock.advance(9_000);
    assert.equal(rig.adapter.restarts!.watchdog, 0, 'not yet');
    rig.emu.advertiseAll(); // an advert resets the watchdog
    await waitFor(() => rig.adapter.nearby().length === 1, 'advert heard');
    clock.advance(9_000);
    assert.equal(rig.adapter.restarts!.watchdog, 0, 'advert kept the watchdog quiet');
    clock.advance(3_000);
    assert.equal(rig.adapter.restarts!.watchdog, 1, 'silent for watchdog period: restarted');
    assert.equal(rig.emu.socket.stats.scanEnables, enables + 1, 'a new LE Set Scan Enable went to the controller');
  } finally {
    await rig.close();
  }
});

test('min_rssi filters weak adverts (counted)', async () => {
  const rig = await makeRig({
    config: { min_rssi: -70 },
    sensors: [
      { kind: 'bthome', mac: 'a4c138000001', rssi: -80 },
      { kind: 'bthome', mac: 'a4c138000002', rssi: -50 },
    ],
  });
  try {
    await rig.adapter.pair('a4c138000001', {});
    await rig.adapter.pair('a4c138000002', {});
    await waitFor(() => running(rig), 'adapter running');
    rig.emu.advertiseAll();
    await waitFor(() => rig.byDevice('a4c138000002').length === 1, 'strong sensor reading');
    assert.equal(rig.byDevice('a4c138000001').length, 0);
    assert.ok((rig.adapter.status().drops.min_rssi ?? 0) >= 1);
  } finally {
    await rig.close();
  }
});

test('wrong bindkey: counted auth_failed, never forwarded; no key: no_key', async () => {
  const rig = await makeRig({ sensors: [{ kind: 'bthome-encrypted', mac: BTHOME_VECTOR.mac, key: BTHOME_VECTOR.key }] });
  try {
    await waitFor(() => running(rig), 'adapter running');
    await rig.adapter.pair(BTHOME_VECTOR.mac, { key: '00112233445566778899aabbccddeeff' });
    rig.emu.advertiseAll();
    await waitFor(() => (rig.adapter.status().drops.auth_failed ?? 0) >= 1, 'auth_failed counted');
    await rig.adapter.pair(BTHOME_VECTOR.mac, {});
    rig.emu.advertiseAll();
    await waitFor(() => (rig.adapter.status().drops.no_key ?? 0) >= 1, 'no_key counted');
    assert.equal(rig.readings.length, 0);
    await rig.adapter.pair(BTHOME_VECTOR.mac, { key: BTHOME_VECTOR.key });
    rig.emu.advertiseAll();
    await waitFor(() => rig.readings.length === 1, 'right key: reading');
    assert.equal(rig.readings[0].authenticated, true);
    assert.ok(!rig.lines.join('').includes(BTHOME_VECTOR.key), 'key never logged');
  } finally {
    await rig.close();
  }
});

test('forward=all: decodable strangers forwarded; undecodable paired device forwarded raw without fmt', async () => {
  const rig = await makeRig({
    config: { forward: 'all' },
    decode: (a, ctx) => (a.mac === 'c0ffee000001' ? undefined : stubDecode(a, ctx)),
    sensors: [
      { kind: 'bthome', mac: 'a4c138000001' },
      { kind: 'ibeacon', mac: 'c0ffee000001' },
    ],
  });
  try {
    await rig.adapter.pair('c0ffee000001', {});
    await waitFor(() => running(rig), 'adapter running');
    rig.emu.advertiseAll();
    await waitFor(() => rig.byDevice('a4c138000001').length === 1 && rig.byDevice('c0ffee000001').length >= 1, 'both forwarded');
    const raw = rig.byDevice('c0ffee000001')[0];
    assert.equal(raw.fmt, undefined);
    assert.equal(raw.keySource, undefined);
    assert.equal(raw.raw.readUInt16LE(0), 0x004c, 'raw = manufacturer data with company id');
    assert.equal(rig.byDevice('a4c138000001')[0].fmt, 'bthome');
  } finally {
    await rig.close();
  }
});

test('malformed HCI packets and AD structures are counted or ignored, never crash; readings continue', async () => {
  const rig = await makeRig({ sensors: [{ kind: 'atc1441', mac: 'a4c138d5d498' }] });
  try {
    await rig.adapter.pair('a4c138d5d498', {});
    await waitFor(() => running(rig), 'adapter running');
    rig.emu.socket.emit('data', Buffer.from('040e0401', 'hex')); // truncated Command Complete
    rig.emu.socket.emit('data', Buffer.from('04', 'hex'));
    // AD structure whose length runs past the end, and a zero-length TX power element
    rig.emu.socket.advertise([{ address: 'c0ffee000002', addressType: 'random', advType: 3, data: Buffer.from('0aff4c0001', 'hex'), rssi: -40 }]);
    rig.emu.socket.advertise([{ address: 'c0ffee000003', addressType: 'random', advType: 3, data: Buffer.from('010a', 'hex'), rssi: -40 }]);
    rig.emu.socket.emit('data', Buffer.from('043e0c0202030102000000eeffc003020106c4', 'hex')); // says 2 reports, holds 1
    // counted: short Command Complete, lone byte, empty TX power, missing report (noble's GAP skips the AD overrun itself)
    assert.equal(rig.adapter.status().drops.hci_malformed, 4);
    rig.emu.advertiseAll();
    await waitFor(() => rig.readings.length === 1, 'reading after garbage');
    assert.equal(rig.readings[0].fmt, 'atc1441');
  } finally {
    await rig.close();
  }
});

test('a sensor whose counter restarts (new battery) is refused as a replay, then accepted after a minute of it', async () => {
  const clock = new FakeClock();
  const rig = await makeRig({ clock, decode: null, sensors: [{ kind: 'bthome-encrypted', mac: BTHOME_VECTOR.mac, key: BTHOME_VECTOR.key, counter: 1000 }] });
  try {
    await waitFor(() => running(rig), 'adapter running');
    await rig.adapter.pair(BTHOME_VECTOR.mac, { key: BTHOME_VECTOR.key });
    rig.emu.advertiseAll();
    await waitFor(() => rig.readings.length === 1, 'first reading');
    const sensor = rig.emu.sensors[0];
    sensor.counter = 1; // battery changed: the counter starts over
    for (let i = 0; i < 4; i++) {
      rig.emu.advertiseAll();
      clock.advance(20_000);
    }
    await waitFor(() => (rig.adapter.status().drops.replay ?? 0) >= 4, 'refused as replays');
    assert.equal(rig.readings.length, 1, 'nothing from the restarted counter yet (4 measurements over 60 s)');
    rig.emu.advertiseAll(); // the fifth refused measurement, 80 s after the first: the restart is accepted
    await waitFor(() => (rig.adapter.status().drops.counter_reset ?? 0) === 1, 'counter reset noted');
    rig.emu.advertiseAll();
    await waitFor(() => rig.readings.length >= 2, 'readings resume');
    assert.equal(rig.readings[1].authenticated, true);
  } finally {
    await rig.close();
  }
});

test('a replayed old frame between genuine ones never resets the counter', async () => {
  const clock = new FakeClock();
  const rig = await makeRig({ clock, decode: null, sensors: [{ kind: 'bthome-encrypted', mac: BTHOME_VECTOR.mac, key: BTHOME_VECTOR.key, counter: 1000 }] });
  try {
    await waitFor(() => running(rig), 'adapter running');
    await rig.adapter.pair(BTHOME_VECTOR.mac, { key: BTHOME_VECTOR.key });
    const sensor = rig.emu.sensors[0];
    for (let i = 0; i < 8; i++) {
      const genuine = sensor.counter;
      rig.emu.advertiseAll();
      await waitFor(() => rig.readings.length === i + 1, `genuine reading ${i}`);
      sensor.counter = 5; // an attacker replays an old frame...
      rig.emu.advertiseAll();
      sensor.counter = genuine + 2; // ...and the genuine sensor goes on
      clock.advance(20_000);
    }
    await waitFor(() => (rig.adapter.status().drops.replay ?? 0) >= 8, 'every replay refused');
    assert.equal(rig.adapter.status().drops.counter_reset, undefined);
  } finally {
    await rig.close();
  }
});
