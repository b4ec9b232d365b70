import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BleAdapter } from '../../../src/radios/ble/adapter';
import { describeLoadError, loadNoble } from '../../../src/radios/ble/noble-loader';
import { memoryLogger, waitFor } from './helpers';
import { stubDecode } from './stub-decoder';

const hasBluetooth = (() => {
  const r = loadNoble({ hci: 0 });
  if ('error' in r) return false;
  r.dispose();
  return true;
})();

test('loading the real noble without kernel Bluetooth gives a clear error, no crash', { skip: hasBluetooth && 'this machine has Bluetooth' }, () => {
  const r = loadNoble({ hci: 0 });
  assert.ok('error' in r);
  assert.match(r.error, /no Bluetooth support \(EAFNOSUPPORT\)/);
  assert.equal(process.env.NOBLE_HCI_DEVICE_ID, '0');
  assert.equal(process.env.NOBLE_REPORT_ALL_HCI_EVENTS, '1');
});

test('load errors are described in one sentence', () => {
  assert.match(describeLoadError(Object.assign(new Error('x'), { code: 'EPERM' }), 1), /hci1.*CAP_NET_RAW/);
  assert.match(describeLoadError(Object.assign(new Error("Cannot find module 'x'"), { code: 'MODULE_NOT_FOUND' }), 0), /not installed/);
  assert.match(describeLoadError(Object.assign(new Error('No such device'), { code: 'ENODEV' }), 2), /no adapter hci2/);
});

test('adapter without Bluetooth: one clear log line, state degraded, pairing still works', { skip: hasBluetooth && 'this machine has Bluetooth' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-ble-'));
  const { log, lines } = memoryLogger();
  const adapter = new BleAdapter({
    config: { enabled: true, hci: 0, forward: 'paired', min_rssi: -100, watchdog_s: 120, max_devices: 64, emulate: false },
    stateDir: dir, log, decode: stubDecode,
  });
  try {
    await adapter.start(() => assert.fail('no readings expected'));
    const st = adapter.status();
    assert.equal(st.state, 'degraded');
    assert.match(st.detail ?? '', /bluetooth unavailable/);
    const msgs = lines.map((l) => JSON.parse(l).msg as string).filter((m) => /bluetooth unavailable/.test(m));
    assert.equal(msgs.length, 1);
    assert.match(msgs[0], /^bluetooth unavailable: .*EAFNOSUPPORT.*BLE disabled, rest of the gateway keeps running$/);
    const dev = await adapter.pair('AA:BB:CC:DD:EE:FF', { name: 'later' });
    assert.equal(dev.mac, 'aa:bb:cc:dd:ee:ff');
    assert.equal(adapter.devices().length, 1);
    await adapter.stop();
    assert.equal(adapter.status().state, 'stopped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('custom bindings seam: noble events at the bindings level reach the adapter', async () => {
  // an object speaking noble's bindings protocol (stateChange, scanStart, discover)
  const bindings = new (class extends EventEmitter {
    scans: boolean[] = [];
    init(): void {
      setImmediate(() => this.emit('stateChange', 'poweredOn'));
    }
    startScanning(_uuids: string[], allowDuplicates: boolean): void {
      this.scans.push(allowDuplicates);
      setImmediate(() => {
        this.emit('scanStart', !allowDuplicates);
        const svc = Buffer.from('40000101', 'hex');
        this.emit('discover', 'a4c138000001', 'a4:c1:38:00:00:01', 'public', false, { serviceData: [{ uuid: 'fcd2', data: svc }], serviceUuids: [] }, -55, false);
      });
    }
    stopScanning(): void {
      setImmediate(() => this.emit('scanStop'));
    }
  })();
  const dir = mkdtempSync(join(tmpdir(), 'lowband-ble-'));
  const { log } = memoryLogger();
  const readings: unknown[] = [];
  const adapter = new BleAdapter({
    config: { enabled: true, hci: 0, forward: 'paired', min_rssi: -100, watchdog_s: 120, max_devices: 64, emulate: false },
    stateDir: dir, log, decode: stubDecode, bindings,
  });
  try {
    await adapter.pair('a4c138000001', {});
    await adapter.start((r) => readings.push(r));
    await waitFor(() => readings.length === 1, 'reading via custom bindings');
    assert.deepEqual(bindings.scans, [true]);
    assert.equal(adapter.status().state, 'running');
  } finally {
    await adapter.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
