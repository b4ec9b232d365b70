import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ModemEmulator } from '../../hardware/emulators/modem-emulator';
import { writeTestConfig } from '../helpers/gateway-config';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { LowbandProcess, pythonSubscriber, until } from '../helpers/processes';

let dir: string;
let modem: ModemEmulator;
let gw: LowbandProcess;
let endpoint: string;
let control: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowband-robust-'));
  modem = new ModemEmulator({ modem: 'rn2483', dir });
  await modem.start();
  const cfg = writeTestConfig(dir, { lora: [{ name: 'lora0', port: modem.hostPath, modem: 'rn2483', liveness_s: 1 }] });
  endpoint = cfg.endpoint;
  control = cfg.control;
  gw = new LowbandProcess(['run', '--config', cfg.path]);
  await gw.waitForMsg('modem receiving');
});

after(async () => {
  gw.kill('SIGKILL');
  await gw.exited;
  await modem.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const next = () => Buffer.from([0x42, n >> 8, n++ & 0xff]);

/** Receive `count` lora messages while the emulator streams (at most `timeoutMs`). */
async function receive(count: number, timeoutMs = 20_000) {
  const sub = pythonSubscriber(endpoint, count, ['--filter', 'lora/']);
  await sub.ready;
  modem.stream(10, next);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      sub.done,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${sub.lines.length} of ${count} lora messages in ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
    sub.kill();
    modem.stopStream();
  }
}

const lora0 = async () => ((await callControl(control, 'status', {}, 5000)) as GatewayStatus).adapters.find((a) => a.name === 'lora0');

test('garbage bytes and 1 MB lines are dropped and counted; receiving continues', async () => {
  const noise = Buffer.alloc(4096);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) & 0xff;
  modem.injectGarbage(noise);
  modem.injectGarbage(Buffer.from('\r\n'));
  modem.injectLongLine(1024 * 1024, false);
  modem.injectGarbage(Buffer.from('\r\n'));
  modem.injectLongLine(1024 * 1024, true);
  const msgs = await receive(5);
  assert.equal(msgs.length, 5);
  await gw.waitForMsg('over-long line from modem discarded');
  assert.equal(gw.proc.exitCode, null, 'still running');
});

test('unplug and replug: the gateway logs it, reopens by itself and resumes', async () => {
  await modem.unplug();
  await gw.waitForLog((l) => l.msg === 'serial port lost; reopening' && l.level === 40);
  await modem.replug();
  await gw.waitFor('log lines', () => gw.logs.filter((l) => l.msg === 'modem receiving').length >= 2);
  const msgs = await receive(3);
  assert.equal(msgs.length, 3);
  assert.equal(gw.proc.exitCode, null);
});

test('a device node that vanishes without a hang-up is noticed (receive-only modems never write)', async () => {
  // Remove the port's name while the tty itself stays open, as when a hang-up event is missed.
  const target = readlinkSync(modem.hostPath);
  const lost = gw.logs.filter((l) => l.msg === 'serial port lost; reopening').length;
  unlinkSync(modem.hostPath);
  await gw.waitFor('log lines', () => gw.logs.filter((l) => l.msg === 'serial port lost; reopening' && String(l.err).includes('device disappeared')).length > 0 && gw.logs.filter((l) => l.msg === 'serial port lost; reopening').length > lost);
  const opened = gw.logs.filter((l) => l.msg === 'modem receiving').length;
  symlinkSync(target, modem.hostPath);
  await gw.waitFor('log lines', () => gw.logs.filter((l) => l.msg === 'modem receiving').length > opened);
  assert.equal((await receive(2)).length, 2);
});

test('a packet line swallowed by a 10 MB line: the modem is re-armed at once and hears again', async () => {
  modem.injectLongLine(10 * 1024 * 1024, false);
  modem.hear(next()); // its line ends the long one: both discarded; the RN2483 has left receive
  await modem.flush();
  assert.equal((await receive(5, 5000)).length, 5);
  assert.ok(((await lora0())?.drops.line_too_long ?? 0) >= 1);
});

test('a wedged modem shows state deaf in lowband status, then running again once it answers', async () => {
  modem.mute(true);
  const deaf = await until('lora0 deaf', async () => {
    const a = await lora0();
    return a?.state === 'deaf' ? a : undefined;
  }, 15_000, 50);
  assert.match(deaf.detail ?? '', /answer/);
  modem.mute(false);
  await until('lora0 running', async () => (await lora0())?.state === 'running', 20_000, 50);
  assert.equal((await receive(3)).length, 3);
});
