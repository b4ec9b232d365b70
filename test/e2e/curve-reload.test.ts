import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { cliArgs } from '../helpers/paths';
import { LowbandProcess, until } from '../helpers/processes';

// The live allow-list through `lowband run`: SIGHUP re-reads it, status shows its size and load
// time, a broken file raises an alarm and keeps the previous keys (issue 10 item 7).

const keys = (dir: string, name: string) => {
  const r = spawnSync(process.execPath, cliArgs('keys', 'generate', '--out', dir, '--name', name), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
};

interface AllowListStatus {
  keys: number;
  loadedAt: string;
  reloads: number;
  failures: number;
}

test('SIGHUP reloads the allow-list; status shows its size and load time; a broken file is an alarm', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-curve-reload-'));
  keys(dir, 'gateway');
  const a = keys(dir, 'a');
  const b = keys(dir, 'b');
  const allow = join(dir, 'clients.allow');
  writeFileSync(allow, `${a}\n${b}\n`);
  const cfg = writeTestConfig(dir, {
    upstream: {
      publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] },
      curve: { secret_key_file: join(dir, 'gateway.key'), allowed_clients_file: allow },
    },
  });
  const gw = new LowbandProcess(['run', '--config', cfg.path]);
  t.after(async () => {
    gw.kill('SIGKILL');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  });
  await gw.waitForMsg('gateway started');
  const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
  const list = async () => ((await status()).sinks.find((s) => s.kind === 'publish')?.curve as { allowList: AllowListStatus }).allowList;
  const first = await list();
  assert.equal(first.keys, 2);
  assert.ok(Date.parse(first.loadedAt) > 0);

  // Unchanged file: only the signal can make it read again.
  gw.kill('SIGHUP');
  const second = await until('the SIGHUP reload', async () => {
    const l = await list();
    return l.reloads === 1 ? l : undefined;
  });
  assert.ok(second.loadedAt >= first.loadedAt);
  assert.equal(gw.proc.exitCode, null, 'SIGHUP does not end the gateway');

  writeFileSync(`${allow}.new`, `${b}\n`);
  renameSync(`${allow}.new`, allow);
  gw.kill('SIGHUP');
  await until('one key left', async () => ((await list()).keys === 1 ? true : undefined));

  writeFileSync(allow, 'garbage that is not a key\n');
  gw.kill('SIGHUP');
  const st = await until('the alarm', async () => {
    const s = await status();
    return s.alarms.some((x) => x.startsWith('curve: ')) ? s : undefined;
  });
  assert.match(st.alarms.find((x) => x.startsWith('curve: '))!, /unusable since .*the 1 keys loaded at/);
  assert.equal((await list()).keys, 1, 'previous list kept');
  const human = spawnSync(process.execPath, cliArgs('status', '--socket', cfg.control), { encoding: 'utf8' });
  assert.match(human.stdout, /CURVE\n {2}allow-list 1 keys, loaded \d+s ago/);
  assert.match(human.stdout, /! curve: allow-list/);
});
