import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer } from '../../src/control/server';
import type { BleControl, GatewayStatus, NearbyDevice, PairedDevice } from '../../src/control/protocol';
import { createLogger } from '../../src/util/log';

const KEY = '00112233445566778899aabbccddeeff';
let dir: string;
let sock: string;
let server: ControlServer;
const paired = new Map<string, PairedDevice>();

const ble: BleControl = {
  async pair(mac, o) {
    const d = { mac, name: o.name, hasKey: !!o.key, pairedAt: '2026-01-01T00:00:00.000Z' };
    paired.set(mac, d);
    return d;
  },
  async unpair(mac) {
    return paired.delete(mac);
  },
  devices: () => [...paired.values()],
  nearby: (): NearbyDevice[] => [
    { mac: 'A4:C1:38:00:00:01', name: 'ATC_1', fmt: 'pvvx', rssi: -61, lastSeen: new Date().toISOString(), paired: false, fields: { temperature: 21.5, humidity: 40 } },
    { mac: '5448e68f80a5', name: 'porch', fmt: 'bthome', rssi: -70, lastSeen: new Date().toISOString(), paired: true, fields: { temperature: 1 }, error: 'auth_failed' },
  ],
};

const gw: GatewayStatus = {
  version: '0.1.0', gateway: 'pi-cli', pid: 42, startedAt: '2026-01-01T00:00:00.000Z', uptimeS: 59, seq: '7',
  readings: { total: 7, perSecond: 0.1 }, drops: {}, adapters: [], sinks: [], alarms: [],
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowband-cli-'));
  sock = join(dir, 'control.sock');
  server = new ControlServer(sock, { status: () => gw, ble }, createLogger('silent'));
  await server.start();
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs a command's `run()` in a child process: the test runner owns this process's stdout,
 * so output cannot be captured in-process.
 */
async function cli(mod: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const file = join(__dirname, '../../src/cli/commands', mod);
  const script = `require(${JSON.stringify(file)}).run(${JSON.stringify(argv)}).then((c) => { process.exitCode = c; })`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

test('status: tables, --json, and the config path finds the socket', async () => {
  const t = await cli('status', ['--socket', sock]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /gateway pi-cli .* up 59s/);
  assert.match(t.out, /\(none configured\)/);
  const cfg = join(dir, 'lowband.yaml');
  writeFileSync(cfg, `control:\n  socket: ${sock}\n`);
  const j = await cli('status', ['--config', cfg, '--json']);
  assert.equal(j.code, 0, j.err);
  const shown = JSON.parse(j.out) as GatewayStatus;
  assert.deepEqual(shown, gw);
});

test('pair, devices, scan, unpair; the key never appears in output', async () => {
  const p = await cli('pair', ['a4:c1:38:aa:bb:cc', '--name', 'porch', '--key', KEY, '--socket', sock]);
  assert.equal(p.code, 0, p.err);
  assert.equal(p.out, 'paired a4:c1:38:aa:bb:cc (porch), with bindkey\n');
  const d = await cli('devices', ['--socket', sock]);
  assert.match(d.out, /a4:c1:38:aa:bb:cc\s+porch\s+-\s+yes/);
  const dj = await cli('devices', ['--socket', sock, '--json']);
  assert.equal(JSON.parse(dj.out).length, 1);
  const s = await cli('scan', ['--seconds', '0', '--socket', sock]);
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, /a4:c1:38:00:00:01\s+ATC_1\s+pvvx\s+-61\s+\d+s ago\s+no\s+temperature=21\.5 humidity=40/);
  const u = await cli('unpair', ['A4:C1:38:AA:BB:CC', '--socket', sock]);
  assert.equal(u.code, 0);
  const again = await cli('unpair', ['A4:C1:38:AA:BB:CC', '--socket', sock]);
  assert.equal(again.code, 1);
  assert.match(again.err, /^lowband unpair: a4:c1:38:aa:bb:cc was not paired$/m, 'one MAC format for people everywhere');
  for (const r of [p, d, dj, s, u]) assert.ok(!(r.out + r.err).includes(KEY.slice(0, 12)), 'key leaked');
});

test('usage errors exit 2, a missing gateway exits 1 with the reason', async () => {
  assert.equal((await cli('pair', ['--socket', sock])).code, 2);
  const bad = await cli('pair', ['A4:C1:38:AA:BB:CC', '--key', 'secret-not-hex', '--socket', sock]);
  assert.equal(bad.code, 2);
  assert.ok(!bad.err.includes('secret-not-hex'));
  // a bad MAC is the same kind of mistake as a bad key: the same exit code, before any request
  for (const cmd of ['pair', 'unpair']) {
    const badMac = await cli(cmd, ['A4:C1:38:AA:BB', '--socket', sock]);
    assert.equal(badMac.code, 2, `${cmd} with a bad MAC`);
    assert.match(badMac.err, /invalid MAC "A4:C1:38:AA:BB": expected 6 bytes as AA:BB:CC:DD:EE:FF/);
  }
  const badModel = await cli('pair', ['A4:C1:38:AA:BB:CC', '--model', 'no spaces', '--socket', sock]);
  assert.equal(badModel.code, 2, 'a bad --model is bad usage too');
  assert.equal(paired.size, 0, 'nothing reached the gateway');
  assert.equal((await cli('status', ['--bogus'])).code, 2);
  assert.equal((await cli('scan', ['--seconds', 'many', '--socket', sock])).code, 2);
  const cfg = join(dir, 'broken.yaml');
  writeFileSync(cfg, 'control: [1]\n');
  const c = await cli('status', ['--config', cfg]);
  assert.equal(c.code, 2);
  assert.match(c.err, /control/);
  const gone = await cli('status', ['--socket', join(dir, 'nope.sock')]);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /lowband is not running \(no control socket at .*nope\.sock\)/);
});

test('doctor exits 1 and names the config problem; --json is machine readable', async () => {
  const cfg = join(dir, 'doctor.yaml');
  writeFileSync(cfg, 'lora:\n  - name: lora0\n    port: /dev/x\n    modem: nope\n');
  const r = await cli('doctor', ['--config', cfg, '--json']);
  assert.equal(r.code, 1);
  const results = JSON.parse(r.out) as { level: string; name: string; detail: string }[];
  const c = results.find((x) => x.name === 'config');
  assert.equal(c?.level, 'FAIL');
  assert.match(c!.detail, /lora\[0\]\.modem/);
});

test('permission denied on the socket tells the user to join the lowband group', { skip: process.getuid?.() !== 0 && 'needs root to drop to another uid' }, () => {
  // Run the real client as an unprivileged uid against a 0660 root-owned socket.
  chmodSync(dir, 0o755);
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { mode: 0o777 });
  chmodSync(tmp, 0o777);
  const script = `
    const { callControl } = require(${JSON.stringify(join(__dirname, '../../src/control/client'))});
    callControl(${JSON.stringify(sock)}, 'ping', {}, 3000).then(() => console.log('UNEXPECTED'), (e) => console.log(e.kind + ': ' + e.message));
  `;
  const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
    uid: 65534, gid: 65534, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent', TMPDIR: tmp },
  });
  assert.match(r.stdout, /^permission: permission denied on .*control\.sock: add your user to the lowband group/m, r.stderr);
});

test('a paired sensor that fails authentication is marked in devices and scan', async () => {
  paired.set('54:48:e6:8f:80:a5', { mac: '5448E68F80A5', name: 'porch', hasKey: true, pairedAt: '2026-01-01T00:00:00.000Z', error: 'auth_failed' });
  try {
    const d = await cli('devices', ['--socket', sock]);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out, /54:48:e6:8f:80:a5\s+porch\s+-\s+yes\s+\S+\s+auth_failed: wrong bindkey\? pair again with --key/);
    const dj = JSON.parse((await cli('devices', ['--socket', sock, '--json'])).out) as PairedDevice[];
    assert.deepEqual(dj.map((x) => [x.mac, x.error]), [['54:48:e6:8f:80:a5', 'auth_failed']]);
    const s = await cli('scan', ['--seconds', '0', '--socket', sock]);
    assert.match(s.out, /54:48:e6:8f:80:a5\s+porch\s+bthome\s+-70\s+\d+s ago\s+yes\s+auth_failed: wrong bindkey/);
  } finally {
    paired.clear();
  }
});
