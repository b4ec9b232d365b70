import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { cliArgs } from '../helpers/paths';
import { LowbandProcess, until } from '../helpers/processes';

// Issue 11 item 4, as a user meets it: `lowband run` with the emulated sensors, the encrypted
// one paired with a mistyped bindkey. Before, nothing but an `auth_failed` count said so.

const ENCRYPTED = '54:48:e6:8f:80:a5';
const BINDKEY = '231d39c1d7cc1ab1aee224cd096db932';
const WRONG = '0011223344556677889900aabbccddee';

test('a wrong bindkey is an alarm in status and marked in devices and scan; pairing again with the right key clears it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-ble-auth-'));
  const cfg = writeTestConfig(dir, { ble: { enabled: true, emulate: true, forward: 'paired' } });
  const gw = new LowbandProcess(['run', '--config', cfg.path]);
  t.after(async () => {
    gw.kill('SIGTERM');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const lowband = (...args: string[]) => spawnSync(process.execPath, cliArgs(...args, '--config', cfg.path), { encoding: 'utf8' });
  const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
  await gw.waitForMsg('gateway started');

  let r = lowband('pair', ENCRYPTED.toUpperCase(), '--name', 'porch', '--key', WRONG);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `paired ${ENCRYPTED} (porch), with bindkey\n`);
  const alarm = await until('the auth_failed alarm', async () => (await status()).alarms.find((a) => /auth_failed/.test(a)));
  assert.match(alarm, new RegExp(`auth_failed: ${ENCRYPTED} \\(porch\\)`));
  await gw.waitForMsg(/^BLE sensor 54:48:e6:8f:80:a5 \(porch\) fails authentication/);

  const devices = lowband('devices');
  assert.equal(devices.status, 0, devices.stderr);
  assert.match(devices.stdout, new RegExp(`${ENCRYPTED}\\s+porch\\s+-\\s+yes\\s+\\S+\\s+auth_failed`));
  const scan = lowband('scan', '--seconds', '0');
  assert.match(scan.stdout, new RegExp(`${ENCRYPTED}\\s+porch\\s+bthome\\s+.*yes\\s+auth_failed`));
  const shownStatus = lowband('status');
  assert.match(shownStatus.stdout, /ALARMS[\s\S]*auth_failed: 54:48:e6:8f:80:a5 \(porch\)/);
  for (const out of [r, devices, scan, shownStatus]) assert.ok(!(out.stdout + out.stderr).includes(WRONG), 'the key is never printed');
  const logged = JSON.stringify(gw.logs) + gw.stderr.join('\n');
  assert.ok(!logged.includes(WRONG) && !logged.includes(BINDKEY), 'the key is never logged');

  r = lowband('pair', ENCRYPTED, '--key', BINDKEY);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `paired ${ENCRYPTED} (porch), with bindkey\n`, 'pairing again without --name keeps the name');
  await until('the alarm to clear', async () => !(await status()).alarms.some((a) => /auth_failed/.test(a)) || undefined);
  assert.doesNotMatch(lowband('devices').stdout, /auth_failed/);
});
