import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModemEmulator } from '../../hardware/emulators/modem-emulator';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { cliArgs } from '../helpers/paths';
import { LowbandProcess, pythonSubscriber, until } from '../helpers/processes';

// CurveZMQ through the real gateway: keys from `lowband keys generate`, an allow-list enforced
// by the ZAP handler, and three independent Python subscribers.

const keys = (dir: string, name: string) => {
  const r = spawnSync(process.execPath, cliArgs('keys', 'generate', '--out', dir, '--name', name), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(join(dir, `${name}.key`)).mode & 0o777, 0o600);
  return { pub: readFileSync(join(dir, `${name}.pub`), 'utf8').trim(), sec: readFileSync(join(dir, `${name}.key`), 'utf8').trim() };
};

test('an allowed subscriber receives; an unknown key and a plain client get nothing; refusals are counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-curve-'));
  const modem = new ModemEmulator({ modem: 'rak3172', dir });
  await modem.start();
  const gwKeys = keys(dir, 'gateway');
  const friend = keys(dir, 'friend');
  const stranger = keys(dir, 'stranger');
  writeFileSync(join(dir, 'clients.allow'), `# backends allowed to subscribe\n${friend.pub}  # the friend\n`);
  const endpoint = `ipc://${join(dir, 'pub.sock')}`;
  const cfg = writeTestConfig(dir, {
    lora: [{ name: 'lora0', port: modem.hostPath, modem: 'rak3172' }],
    upstream: {
      publish: { bind: [endpoint] },
      curve: { secret_key_file: join(dir, 'gateway.key'), allowed_clients_file: join(dir, 'clients.allow') },
    },
  });
  const gw = new LowbandProcess(['run', '--config', cfg.path]);
  const subs: ReturnType<typeof pythonSubscriber>[] = [];
  try {
    await gw.waitForMsg('modem receiving');
    // `--opt=value`: a Z85 key may start with '-', which argparse would take for an option.
    const curve = (k: { pub: string; sec: string }) => [`--curve-server-key=${gwKeys.pub}`, `--curve-public=${k.pub}`, `--curve-secret=${k.sec}`];
    const good = pythonSubscriber(endpoint, 3, ['--filter', 'lora/', ...curve(friend)]);
    const bad = pythonSubscriber(endpoint, 1, ['--filter', 'lora/', '--timeout', '60', ...curve(stranger)]);
    const plain = pythonSubscriber(endpoint, 1, ['--filter', 'lora/', '--timeout', '60']);
    subs.push(good, bad, plain);
    await Promise.all(subs.map((s) => s.ready));
    const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
    await until('the stranger to be refused', async () => {
      const c = (await status()).sinks.find((s) => s.kind === 'publish')?.curve as { refused: number } | undefined;
      return (c && c.refused >= 1) || undefined;
    });
    // `lowband tail` with the friend's key file is a CURVE client too.
    const tail = spawn(process.execPath, cliArgs('tail', '--endpoint', endpoint, '--filter', 'lora/', '--json', '--count', '2',
      '--server-key', gwKeys.pub, '--key-file', join(dir, 'friend.key')), { stdio: ['ignore', 'pipe', 'pipe'] });
    let tailOut = '';
    tail.stdout!.on('data', (d) => (tailOut += d));
    const tailExit = new Promise<number | null>((resolve) => tail.once('exit', resolve));
    modem.stream(20, (i) => Buffer.from([0xc0, i & 0xff]));
    const [got, tailCode] = await Promise.all([good.done, tailExit]);
    modem.stopStream();
    assert.equal(tailCode, 0);
    assert.equal(tailOut.trim().split('\n').map((l) => JSON.parse(l).topic).join(','), 'lora/raw,lora/raw');
    assert.equal(got.length, 3);
    assert.equal((got[0].body as { src: string }).src, 'lora0');
    // The stream ran while the other two were connected: they received nothing.
    assert.equal(bad.lines.length, 0, 'unknown key receives nothing');
    assert.equal(plain.lines.length, 0, 'plain client receives nothing');
    const refusal = gw.logs.find((l) => l.msg === 'ZAP: client refused');
    assert.equal(refusal?.client, stranger.pub, 'refusal logged with the client key');
    assert.ok(!JSON.stringify(gw.logs).includes(gwKeys.sec), 'the secret key never reaches the log');
  } finally {
    for (const s of subs) s.kill();
    gw.kill('SIGTERM');
    await gw.exited;
    await modem.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CURVE without an allow-list is refused at start (exit 2), never run open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-curve-'));
  keys(dir, 'gateway');
  const cfg = writeTestConfig(dir, { upstream: { curve: { secret_key_file: join(dir, 'gateway.key') } } });
  const r = spawnSync(process.execPath, cliArgs('run', '--config', cfg.path), { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr + r.stdout);
  assert.match(r.stderr, /upstream\.curve\.allowed_clients_file/);
  rmSync(dir, { recursive: true, force: true });
});
