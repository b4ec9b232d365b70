import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { encodeFrames } from '../../src/wire/message';
import { cliArgs } from '../helpers/paths';

function lines(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const proc = spawn(process.execPath, cliArgs(...args), { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out: string[] = [];
  let err = '';
  createInterface({ input: proc.stdout! }).on('line', (l) => out.push(l));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out, exited, err: () => err };
}

test('lowband tail --json --filter prints matching messages, one JSON object per line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-tail-'));
  const endpoint = `ipc://${join(dir, 'pub.sock')}`;
  const pub = new zmq.XPublisher({ linger: 0 });
  await pub.bind(endpoint);
  const t = lines(['tail', '--endpoint', endpoint, '--filter', 'lora/', '--json', '--count', '2']);
  // The subscription arriving at the XPUB is the signal that tail is connected.
  await pub.receive();
  const key = Buffer.alloc(16, 1);
  await pub.send(encodeFrames('ble/a4c138d5d498', 1, 2, 1, 1n, 1_700_000_000_000_000, key, { gw: 'g', dev: 'a4c138d5d498', src: 'ble0', raw: Buffer.from([1]) }));
  await pub.send(encodeFrames('lora/49be7df1', 1, 1, 3, 2n, 1_700_000_000_000_000, key, { gw: 'g', dev: '49be7df1', src: 'udp0', raw: Buffer.from([2]), fields: { temperature_1: 21.5 } }));
  await pub.send(encodeFrames('lora/raw', 1, 1, 0, 3n, 1_700_000_000_000_000, key, { gw: 'g', dev: 'raw', src: 'lora0', raw: Buffer.from([3]) }));
  assert.equal(await t.exited, 0, t.err());
  const msgs = t.out.map((l) => JSON.parse(l));
  assert.deepEqual(msgs.map((m) => m.topic), ['lora/49be7df1', 'lora/raw']);
  assert.equal(msgs[0].seq, 2);
  assert.deepEqual(msgs[0].flags, { decoded: true, authenticated: true, redelivery: false });
  assert.equal(msgs[0].body.fields.temperature_1, 21.5);
  assert.equal(msgs[0].body.raw, '02');
  pub.close();
  rmSync(dir, { recursive: true, force: true });
});

test('lowband demo: emulated LoRa and BLE readings come back over the wire; stops cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-demo-test-'));
  // Its own XDG_RUNTIME_DIR: the demo's fixed per-user place is not shared with another run.
  const d = lines(['demo', '--endpoint', `ipc://${join(dir, 'demo.sock')}`, '--interval', '200', '--seconds', '4'], { ...process.env, XDG_RUNTIME_DIR: dir });
  assert.equal(await d.exited, 0, d.err());
  const text = d.out.join('\n');
  assert.match(text, /lora\/26011bda .*\[cayenne\] temperature_1=/, 'decrypted LoRaWAN field probe');
  assert.match(text, /lora\/raw .*raw=/, 'raw P2P packets');
  assert.match(text, /ble\/5448e68f80a5 .*\[bthome\] temperature=/, 'encrypted BTHome sensor');
  assert.match(text, /ble\/cbb8334c884f .*\[ruuvi5\]/);
  assert.match(d.err(), /gateway stopped/);
  rmSync(dir, { recursive: true, force: true });
});
