import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { callControl } from '../../src/control/client';
import type { GatewayStatus, NearbyDevice } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { cliArgs } from '../helpers/paths';
import { LowbandProcess, pythonSubscriber, until } from '../helpers/processes';

// Emulated sensors → noble's own HCI code → `lowband run` → a Python subscriber: only enrolled
// devices are forwarded; pairing and unpairing take effect without a restart.

const PLAIN = 'a4c138000001';
const ENCRYPTED = '5448e68f80a5';
const BINDKEY = '231d39c1d7cc1ab1aee224cd096db932';

test('pair / unpair through the CLI while the gateway runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-ble-'));
  const cfg = writeTestConfig(dir, { ble: { enabled: true, emulate: true, forward: 'paired' } });
  const gw = new LowbandProcess(['run', '--config', cfg.path]);
  const sub = pythonSubscriber(cfg.endpoint, 1_000_000, ['--filter', 'ble/', '--timeout', '120']);
  const lowband = (...args: string[]) => spawnSync(process.execPath, cliArgs(...args, '--config', cfg.path), { encoding: 'utf8' });
  const macOf = (l: Record<string, unknown>) => String(l.topic).slice(4);
  try {
    await gw.waitForMsg('gateway started');
    await sub.ready;
    // The emulated sensors are heard (scan lists them) but none is forwarded yet.
    const nearby = await until('sensors nearby', async () => {
      const n = (await callControl(cfg.control, 'scan', { seconds: 0 }, 5000)) as NearbyDevice[] | { devices: NearbyDevice[] };
      const list = Array.isArray(n) ? n : n.devices;
      return list.length >= 5 ? list : undefined;
    });
    assert.ok(nearby.some((d) => d.mac.replace(/:/g, '').toLowerCase() === PLAIN && d.fmt === 'bthome'));
    assert.equal(sub.lines.length, 0, 'nothing forwarded before pairing');

    let r = lowband('pair', 'A4:C1:38:00:00:01', '--name', 'greenhouse');
    assert.equal(r.status, 0, r.stderr);
    const first = await until('the paired sensor to arrive', () => sub.lines.find((l) => macOf(l) === PLAIN));
    assert.equal((first.body as { name?: string }).name, 'greenhouse', 'the name given at pairing travels with the reading');
    const scanned = (await callControl(cfg.control, 'scan', { seconds: 0 }, 5000)) as NearbyDevice[] | { devices: NearbyDevice[] };
    const plain = (Array.isArray(scanned) ? scanned : scanned.devices).find((d) => d.mac.replace(/:/g, '').toLowerCase() === PLAIN);
    assert.equal(plain?.name, 'greenhouse', 'scan shows the name given at pairing');
    assert.equal(plain?.paired, true);

    r = lowband('pair', '54:48:E6:8F:80:A5', '--key', BINDKEY);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes(BINDKEY) && !r.stderr.includes(BINDKEY), 'the key is not echoed');
    const enc = await until('the encrypted sensor to arrive', () => sub.lines.find((l) => macOf(l) === ENCRYPTED));
    assert.equal((enc.body as { fmt: string }).fmt, 'bthome');
    assert.equal(typeof (enc.body as { fields: { temperature: number } }).fields.temperature, 'number');
    assert.equal((enc.flags as number) & 3, 3, 'decoded and authenticated');

    const devices = lowband('devices');
    assert.equal(devices.status, 0);
    assert.match(devices.stdout, /greenhouse/);
    assert.ok(!devices.stdout.includes(BINDKEY));

    assert.equal(lowband('unpair', 'a4c138000001').status, 0);
    const cut = BigInt(((await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus).seq);
    // Wait for several more encrypted readings after the cut.
    await until('readings after unpair', () => sub.lines.filter((l) => macOf(l) === ENCRYPTED && BigInt(l.seq as number) > cut).length >= 3 || undefined);
    const forwarded = new Set(sub.lines.map(macOf));
    assert.deepEqual([...forwarded].sort(), [ENCRYPTED, PLAIN].sort(), 'only enrolled devices were ever forwarded');
    assert.equal(sub.lines.filter((l) => macOf(l) === PLAIN && BigInt(l.seq as number) > cut).length, 0, 'unpaired device stopped');
  } finally {
    sub.kill();
    gw.kill('SIGTERM');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
