import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { cliArgs } from '../helpers/paths';
import { LowbandProcess } from '../helpers/processes';

test('tail --endpoint host:port: says the form expected and the endpoint probably meant, exit 2', () => {
  const r = spawnSync(process.execPath, cliArgs('tail', '--endpoint', 'localhost:5556'), { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'lowband tail: --endpoint takes a ZeroMQ endpoint, tcp://HOST:PORT or ipc:///PATH, got "localhost:5556" (did you mean tcp://localhost:5556?) (see lowband tail --help)\n');
  assert.doesNotMatch(r.stderr, /Invalid argument/);
});

test('tail says what it subscribes to, when it is connected, and when nothing comes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-tailn-'));
  const endpoint = `ipc://${join(dir, 'pub.sock')}`;
  const pub = new zmq.XPublisher({ linger: 0 });
  await pub.bind(endpoint);
  const tail = new LowbandProcess(['tail', '--endpoint', endpoint, '--filter', 'ble/', '--silence-s', '1']);
  t.after(async () => {
    tail.kill('SIGKILL');
    await tail.exited;
    pub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const has = (re: RegExp) => () => tail.stderr.some((l) => re.test(l));
  await tail.waitFor('the subscribing notice', has(new RegExp(`^lowband tail: subscribing to ${endpoint} \\(ble/\\); Ctrl-C stops$`)));
  await tail.waitFor('the connected notice', has(new RegExp(`^lowband tail: connected to ${endpoint}$`)));
  await tail.waitFor('the silence warning', has(/^lowband tail: nothing received from .* in 1 s: is the gateway running \(lowband status\)/));
  assert.equal(tail.logs.length, 0, 'notices go to stderr, never into the stream on stdout');
  tail.kill('SIGINT');
  assert.deepEqual(await tail.exited, { code: 0, signal: null });
});
