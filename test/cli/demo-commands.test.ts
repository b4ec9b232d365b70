import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { banner } from '../../src/cli/commands/demo';
import { commandPrefix } from '../../src/cli/demo-place';
import { cliArgs, REPO } from '../helpers/paths';
import { until } from '../helpers/processes';

test('the banner: short lines, --socket and --endpoint only where the defaults would not find the demo', () => {
  const b = banner({ prefix: 'npm run lowband --', endpoint: 'tcp://127.0.0.1:5556', socket: '/run/user/1000/lowband-demo/control.sock', socketFoundByDefault: true, configPath: '/run/user/1000/lowband-demo/lowband.yaml' });
  assert.match(b, /\n {2}npm run lowband -- tail\n {2}npm run lowband -- status\n/);
  for (const l of b.split('\n')) assert.ok(l.length <= 80, `fits 80 columns: ${l}`);
  const elsewhere = banner({ prefix: 'lowband', endpoint: 'ipc:///tmp/x y/pub.sock', socket: '/tmp/d/control.sock', socketFoundByDefault: false, configPath: '/tmp/d/lowband.yaml' });
  assert.match(elsewhere, /\n {2}lowband tail --endpoint 'ipc:\/\/\/tmp\/x y\/pub\.sock'\n {2}lowband status --socket \/tmp\/d\/control\.sock\n/);
});

test('the printed prefix is how this process was started', () => {
  assert.equal(commandPrefix({ npm_lifecycle_event: 'demo' }, ['node', '/r/dist/src/cli/main.js'], []), 'npm run lowband --');
  assert.equal(commandPrefix({ npm_lifecycle_event: 'npx' }, ['node', '/r/dist/src/cli/main.js'], []), 'npx lowband');
  assert.equal(commandPrefix({ npm_lifecycle_event: 'lowband' }, ['node', '/r/dist/src/cli/main.js'], []), 'npm run lowband --');
  assert.equal(commandPrefix({ npm_lifecycle_event: 'test' }, ['node', '/r/dist/src/cli/main.js'], []), 'node /r/dist/src/cli/main.js', 'npm test is not how a user runs lowband');
  assert.equal(commandPrefix({}, ['node', '/usr/bin/lowband'], []), 'lowband');
  assert.equal(commandPrefix({}, ['node', '/r/src/cli/main.ts'], ['--import', 'tsx']), 'node --import tsx /r/src/cli/main.ts');
});

test('lowband demo: the commands it prints work as printed; Ctrl-C stops it without a false "serial port lost"', async (t) => {
  const runtime = mkdtempSync(join(tmpdir(), 'lowband-xdg-'));
  // A private XDG_RUNTIME_DIR: the demo's fixed place, found by default by the commands run with it.
  const env = { ...process.env, XDG_RUNTIME_DIR: runtime };
  const demo = spawn(process.execPath, cliArgs('demo', '--endpoint', `ipc://${join(runtime, 'pub.sock')}`, '--interval', '200'), {
    cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as a shell gives a foreground job: Ctrl-C goes to the whole group.
    detached: true,
  });
  const err: string[] = [];
  const readings: string[] = [];
  createInterface({ input: demo.stderr! }).on('line', (l) => err.push(l));
  createInterface({ input: demo.stdout! }).on('line', (l) => readings.push(l));
  const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  const children: ReturnType<typeof spawn>[] = [];
  t.after(async () => {
    // Whole process groups: nothing a printed command started outlives the test. The demo gets
    // SIGTERM first: it then ends its socat (in a process group of its own) itself.
    const signal = (pid: number, sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    for (const c of children) signal(c.pid!, 'SIGKILL');
    if (demo.exitCode === null && demo.signalCode === null) {
      signal(demo.pid!, 'SIGTERM');
      const bound = setTimeout(() => signal(demo.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(bound);
    }
    rmSync(runtime, { recursive: true, force: true });
  });

  await until('the banner', () => err.includes('Ctrl-C stops the demo.'), 60_000);
  const start = err.indexOf('In another terminal, in this directory:');
  const commands = err.slice(start + 1, err.indexOf('Ctrl-C stops the demo.')).map((l) => l.trim());
  assert.deepEqual(commands.map((c) => c.split(' ').find((w) => ['tail', 'status', 'scan', 'doctor'].includes(w))), ['tail', 'status', 'scan', 'doctor']);
  assert.ok(!commands.some((c) => c.includes('--socket')), 'the demo socket is found by default');
  for (const l of err.slice(0, err.indexOf('Ctrl-C stops the demo.') + 1)) assert.ok(!/^\s*$/.test(l) || l === '', l);

  // tail runs until stopped: as printed, it must print readings.
  // In its own process group, so the stop below reaches node under the shell too.
  const tail = spawn('/bin/sh', ['-c', commands[0]], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(tail);
  const tailed: string[] = [];
  createInterface({ input: tail.stdout! }).on('line', (l) => tailed.push(l));
  await until('tail printing readings', () => tailed.some((l) => /^\d\d:\d\d:\d\d\.\d{3} #\d+ (ble|lora)\//.test(l)), 60_000);
  process.kill(-tail.pid!, 'SIGINT');

  const status = spawnSync('/bin/sh', ['-c', commands[1]], { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /gateway demo .* up /);
  const scan = spawnSync('/bin/sh', ['-c', commands[2]], { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(scan.status, 0, scan.stderr);
  assert.match(scan.stdout, /^MAC +NAME/m);
  const doctor = spawnSync('/bin/sh', ['-c', commands[3]], { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(doctor.status, 0, doctor.stdout + doctor.stderr);
  assert.match(doctor.stdout, /^ok +bluetooth +ble\.emulate/m);
  assert.match(doctor.stdout, /^ok +gateway +running \(pid \d+\)/m);

  await until('the demo printing readings itself', () => readings.length > 0, 30_000);
  const before = err.length;
  process.kill(-demo.pid!, 'SIGINT');
  assert.equal(await exited, 0, err.join('\n'));
  const shutdown = err.slice(before).join('\n');
  assert.match(shutdown, /gateway stopped/);
  assert.doesNotMatch(shutdown, /serial port lost|WARN/);
});
