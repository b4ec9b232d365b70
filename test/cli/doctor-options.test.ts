import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs } from '../helpers/paths';

test('doctor --socket asks that socket; ble.emulate: true needs no Bluetooth adapter', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-doc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'lowband.yaml');
  writeFileSync(config, `state_dir: ${dir}/state\nble: { enabled: true, emulate: true }\ncontrol: { socket: ${dir}/config.sock }\n`);
  const sock = join(dir, 'given.sock');
  const r = spawnSync(process.execPath, cliArgs('doctor', '--config', config, '--socket', sock, '--json'), { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_RUNTIME_DIR: dir } });
  const results = JSON.parse(r.stdout) as { level: string; name: string; detail: string }[];
  // The adapter checks give way to one ok line; the BLE addon's load is still reported, never as FAIL.
  const bt = results.filter((x) => x.name.startsWith('ble') || x.name === 'bluetooth');
  assert.deepEqual(bt.filter((x) => x.name !== 'ble-addon').map((x) => [x.level, x.name]), [['ok', 'bluetooth']], r.stdout);
  assert.ok(bt.every((x) => x.level !== 'FAIL'), r.stdout);
  assert.match(bt.find((x) => x.name === 'bluetooth')!.detail, /ble\.emulate/);
  const gw = results.find((x) => x.name === 'gateway');
  assert.ok(gw && gw.detail.includes(sock) && !gw.detail.includes('config.sock'), JSON.stringify(gw));
});
