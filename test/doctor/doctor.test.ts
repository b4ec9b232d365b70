import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair } from '../../hardware/emulators/pty';
import { hostDoctorEnv, formatResults, runChecks, type CheckResult, type DoctorEnv } from '../../src/doctor';

/** Answers `sys get ver` like an RN2483 and anything else with invalid_param. */
const RESPONDER = `
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
print('READY', flush=True)
buf = b''
while True:
    d = os.read(fd, 256)
    if not d:
        break
    buf += d
    while b'\\n' in buf:
        line, buf = buf.split(b'\\n', 1)
        if line.strip() == b'sys get ver':
            os.write(fd, b'RN2483 1.0.5 Oct 31 2018 15:06:52\\r\\n')
        else:
            os.write(fd, b'invalid_param\\r\\n')
`;

let dir: string;
let pty: PtyPair;
let responder: ChildProcess;
let backend: Server;
let backendPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowband-doctor-'));
  pty = await openPtyPair(dir, 'rn2483');
  responder = spawn('/usr/bin/python3', ['-c', RESPONDER, pty.devicePath], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    responder.stdout!.once('data', () => resolve());
    responder.once('exit', (c) => reject(new Error(`responder exited ${c}`)));
  });
  backend = createServer((s) => s.destroy());
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as AddressInfo).port;
});

after(async () => {
  responder?.kill('SIGKILL');
  await pty?.close();
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

/** A healthy host: user in dialout, caps, hci0 up, modem on a pty, backend listening. */
function healthy(cfgText: string, over: Partial<DoctorEnv> = {}): DoctorEnv {
  const cfg = join(mkdtempSync(join(dir, 'case-')), 'lowband.yaml');
  writeFileSync(cfg, cfgText);
  const bt = join(dir, 'bt');
  mkdirSync(join(bt, 'hci0', 'rfkill0'), { recursive: true });
  writeFileSync(join(bt, 'hci0', 'rfkill0', 'soft'), '0\n');
  writeFileSync(join(bt, 'hci0', 'rfkill0', 'hard'), '0\n');
  return hostDoctorEnv(cfg, {
    uid: 1000,
    gids: [1000, 20],
    groupFile: 'root:x:0:\ndialout:x:20:pi\n',
    procStatus: 'Name:\tnode\nCapEff:\t0000000000003000\n',
    bluetoothDir: bt,
    serialByIdDir: join(dir, 'by-id-missing'),
    now: () => new Date('2026-06-01T12:00:00Z'),
    freeBytes: async () => 10 * 1024 * 1024 * 1024,
    pingGateway: async () => ({ pid: 4242 }),
    ...over,
  });
}

function config(o: { port?: string; modem?: string; state?: string; upstreamPort?: number } = {}): string {
  const state = o.state ?? join(dir, 'state');
  mkdirSync(state, { recursive: true });
  chmodSync(state, 0o750); // what the package and the unit create
  return [
    `state_dir: ${state}`,
    'lora:',
    `  - name: lora0`,
    `    port: ${o.port ?? pty.hostPath}`,
    `    modem: ${o.modem ?? 'rn2483'}`,
    'upstream:',
    '  reliable:',
    `    connect: tcp://127.0.0.1:${o.upstreamPort ?? backendPort}`,
    '  mqtt:',
    `    url: mqtt://127.0.0.1:${o.upstreamPort ?? backendPort}`,
    '',
  ].join('\n');
}

function byName(rs: CheckResult[], name: string): CheckResult {
  const r = rs.find((x) => x.name === name);
  assert.ok(r, `no check named ${name} in ${JSON.stringify(rs)}`);
  return r;
}

test('a healthy host passes every check and the emulated RN2483 is identified', async () => {
  const rs = await runChecks(healthy(config()));
  const text = formatResults(rs);
  assert.deepEqual(rs.filter((r) => r.level !== 'ok'), [], text);
  assert.match(byName(rs, 'modem lora0').detail, /rn2483 answered "RN2483 1\.0\.5 Oct 31 2018 15:06:52"/);
  assert.match(byName(rs, 'gateway').detail, /running \(pid 4242\)/);
  for (const n of ['node', 'ble-addon', 'file-modes', 'config', 'serial-access', 'ble-capabilities', 'bluetooth', 'upstream reliable', 'upstream mqtt', 'state-dir', 'disk-space', 'clock']) {
    assert.equal(byName(rs, n).level, 'ok', `${n}\n${text}`);
  }
  assert.match(text, /^ok {4}config {2}/m, 'one line per check: level, name, detail');
});

test('broken host: each problem is named with its fix', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));

  const rs = await runChecks(
    healthy(config({ port: join(dir, 'ttyUSB9'), upstreamPort: deadPort }), {
      uid: 1000,
      gids: [1000],
      procStatus: 'CapEff:\t0000000000000000\n',
      bluetoothDir: join(dir, 'no-bluetooth'),
      writeTest: async () => {
        throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
      },
      freeBytes: async () => 512 * 1024,
      now: () => new Date('1970-01-01T00:01:00Z'),
      pingGateway: async () => ({ error: 'lowband is not running (no control socket at /run/lowband/control.sock)' }),
    }),
  );
  const text = formatResults(rs);
  const modem = byName(rs, 'modem lora0');
  assert.equal(modem.level, 'FAIL');
  assert.match(modem.detail, /ttyUSB9 does not exist/);
  assert.match(modem.fix!, /lora\[0\]\.port/);
  assert.equal(byName(rs, 'serial-access').level, 'FAIL');
  assert.match(byName(rs, 'serial-access').fix!, /usermod -aG dialout/);
  assert.equal(byName(rs, 'ble-capabilities').level, 'warn');
  assert.match(byName(rs, 'ble-capabilities').detail, /CAP_NET_RAW CAP_NET_ADMIN/);
  assert.equal(byName(rs, 'bluetooth').level, 'FAIL');
  assert.match(byName(rs, 'bluetooth').fix!, /ble\.enabled: false/);
  assert.equal(byName(rs, 'upstream reliable').level, 'FAIL');
  assert.match(byName(rs, 'upstream reliable').detail, new RegExp(`127\\.0\\.0\\.1:${deadPort} unreachable \\(ECONNREFUSED\\)`));
  assert.match(byName(rs, 'upstream reliable').fix!, /upstream\.reliable\.connect/);
  assert.equal(byName(rs, 'upstream mqtt').level, 'FAIL');
  assert.equal(byName(rs, 'state-dir').level, 'FAIL');
  assert.match(byName(rs, 'state-dir').detail, /not writable \(EROFS\)/);
  assert.equal(byName(rs, 'clock').level, 'FAIL');
  assert.match(byName(rs, 'clock').fix!, /timedatectl set-ntp true/);
  assert.equal(byName(rs, 'gateway').level, 'warn');
  assert.match(byName(rs, 'gateway').fix!, /systemctl start lowband/);
  assert.match(text, /^FAIL {2}modem lora0 {2}.*\n {6,}fix: /m, 'a fix line follows each failure');
});

test('the wrong modem type and a state dir that is a file are caught', async () => {
  const file = join(dir, 'state-file');
  writeFileSync(file, 'x');
  const rs = await runChecks(healthy(config({ modem: 'rak3172', state: join(dir, 'state2') }).replace(/state_dir: .*/, `state_dir: ${file}`)));
  const modem = byName(rs, 'modem lora0');
  assert.equal(modem.level, 'FAIL');
  assert.match(modem.detail, /answers as rn2483/);
  assert.equal(modem.fix, 'set lora[0].modem: rn2483');
  assert.equal(byName(rs, 'state-dir').level, 'FAIL');
  assert.match(byName(rs, 'state-dir').detail, /not a directory/);
});

test('a bad config is named and the rest still runs', async () => {
  const rs = await runChecks(healthy('lora:\n  - name: lora0\n    port: /dev/x\n    modem: rn2484\n'));
  const c = byName(rs, 'config');
  assert.equal(c.level, 'FAIL');
  assert.match(c.detail, /lora\[0\]\.modem/);
  assert.match(c.fix!, /lowband config check/);
  assert.equal(byName(rs, 'clock').level, 'ok');
  const missing = await runChecks(healthy('', { configPath: join(dir, 'nope.yaml') }));
  assert.match(byName(missing, 'config').detail, /nope\.yaml does not exist/);
});

test('a silent port reports no answer within the probe timeout', async () => {
  const mute = await openPtyPair(dir, 'mute');
  try {
    const rs = await runChecks(healthy(config({ port: mute.hostPath }), { probeTimeoutMs: 200 }));
    const m = byName(rs, 'modem lora0');
    assert.equal(m.level, 'FAIL');
    assert.match(m.detail, /no modem answered .* within 200 ms \(tried rn2483@57600, rak3172@115200, wio-e5@9600\)/);
  } finally {
    await mute.close();
  }
});

test('a Node.js below 20 fails with how to get 20', async () => {
  const rs = await runChecks(healthy(config(), { nodeVersion: '18.19.0' }));
  assert.equal(byName(rs, 'node').level, 'FAIL');
  assert.match(byName(rs, 'node').detail, /18\.19\.0 is too old/);
  assert.match(byName(rs, 'node').fix ?? '', /apt install nodejs/);
});

test('a BLE addon built for another Node (or not built) is named, FAIL with BLE on, warn with it off', async () => {
  // The message Node gives when a nan addon of another major is loaded.
  const abiError = "The module '/usr/lib/lowband/node_modules/@abandonware/bluetooth-hci-socket/build/Release/bluetooth_hci_socket.node'\n" +
    'was compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127.';
  const on = await runChecks(healthy(config(), { nodeVersion: '22.12.0', loadBleAddon: () => abiError }));
  const r = byName(on, 'ble-addon');
  assert.equal(r.level, 'FAIL');
  assert.match(r.detail, /module version 115, this Node needs 127/);
  assert.match(r.fix ?? '', /nodejs 20\.x/);
  assert.equal(byName(on, 'node').level, 'ok', 'Node 22 itself is supported');

  const off = await runChecks(
    healthy(config().replace('lora:', 'ble:\n  enabled: false\nlora:'), { loadBleAddon: () => "Cannot find module '../build/Release/bluetooth_hci_socket.node'" }),
  );
  assert.equal(byName(off, 'ble-addon').level, 'warn');
  assert.match(byName(off, 'ble-addon').detail, /not built/);
  assert.match(byName(off, 'ble-addon').fix ?? '', /apt install --reinstall lowband/);
});

test('state_dir and key files open to other users fail with the chmod that fixes them', async () => {
  const state = mkdtempSync(join(dir, 'modes-'));
  const cfgText = config({ state }) + 'upstream:\n  curve:\n    secret_key_file: ' + join(state, 'keys', 'gateway.key') + '\n';
  mkdirSync(join(state, 'keys'));
  writeFileSync(join(state, 'keys', 'gateway.key'), 'secret');
  writeFileSync(join(state, 'keys', 'old.key'), 'secret');
  writeFileSync(join(state, 'paired.json'), '{}');
  chmodSync(state, 0o755);
  chmodSync(join(state, 'keys', 'gateway.key'), 0o644);
  chmodSync(join(state, 'keys', 'old.key'), 0o600);
  chmodSync(join(state, 'paired.json'), 0o666);
  // The config above repeats `upstream:`; keep only the reliable/mqtt-free variant for this case.
  const text = cfgText.replace(/upstream:\n  reliable:[^]*?(?=upstream:)/, '');
  const bad = byName(await runChecks(healthy(text)), 'file-modes');
  assert.equal(bad.level, 'FAIL');
  assert.match(bad.detail, new RegExp(`${state} is 0755`));
  assert.match(bad.detail, /gateway\.key is 0644/);
  assert.match(bad.detail, /paired\.json is 0666/);
  assert.doesNotMatch(bad.detail, /old\.key/, '0600 is fine');
  assert.match(bad.fix ?? '', new RegExp(`chmod 0750 ${state} && sudo chmod 0640 .*gateway\.key`));

  chmodSync(state, 0o750);
  chmodSync(join(state, 'keys', 'gateway.key'), 0o600);
  chmodSync(join(state, 'paired.json'), 0o640);
  assert.equal(byName(await runChecks(healthy(text)), 'file-modes').level, 'ok');
});
