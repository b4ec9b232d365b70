import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { restoreBackup, StateArchiveError, writeBackup } from '../../src/cli/commands/state-archive';
import { clockFloor, SequenceCounter } from '../../src/core/sequence';
import { cliArgs } from '../helpers/paths';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'lowband-backup-'));
const META = { version: 'test', gateway: 'gw' };

/** A state dir in use: seq numbers issued, a paired device and frame counters on disk. */
function liveState(dir: string): { counter: SequenceCounter; sent: bigint } {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  writeFileSync(join(dir, 'paired.json'), '{"a4c138d5d498":{"key":"00112233445566778899aabbccddeeff"}}\n', { mode: 0o640 });
  writeFileSync(join(dir, 'lorawan-fcnt.json'), '{"26011bda":41}\n');
  const counter = SequenceCounter.open(dir, { block: 100 });
  let sent = 0n;
  for (let i = 0; i < 250; i++) sent = counter.next();
  return { counter, sent };
}

test('restoring an old state on the same gateway: seq continues above everything sent before', () => {
  const root = tmp();
  const state = join(root, 'state');
  const live = liveState(state);
  const file = join(root, 'backup.tar.gz');
  const before = new Date();
  const m = writeBackup(state, file, META, before);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'a backup holds keys');
  assert.equal(m.seq, '301', 'the reservation at backup time');

  // Life goes on after the backup: many more numbers, a crash (no clean stop), a new pairing.
  let sent = live.sent;
  for (let i = 0; i < 5000; i++) sent = live.counter.next();
  const again = SequenceCounter.open(state, { block: 100 });
  for (let i = 0; i < 3000; i++) sent = again.next();
  writeFileSync(join(state, 'paired.json'), '{}\n');

  const r = restoreBackup(file, state, { now: new Date(before.getTime() + 60_000) });
  assert.match(readFileSync(join(state, 'paired.json'), 'utf8'), /a4c138d5d498/, 'the backup content is back');
  assert.equal(readFileSync(join(state, 'lorawan-fcnt.json'), 'utf8'), '{"26011bda":41}\n');
  assert.ok(!existsSync(join(state, 'lowband-backup.json')), 'the manifest is not left in state_dir');
  assert.ok(r.previous && existsSync(join(r.previous, 'seq')), 'the replaced state is kept for rollback');

  const after = SequenceCounter.open(state, { block: 100 });
  const next = after.next();
  assert.ok(next > sent, `after the restore seq ${next} must be above ${sent}, the last one sent`);
  assert.ok(next >= r.seqFloor);
  rmSync(root, { recursive: true, force: true });
});

test('restoring onto a fresh card (the old state is gone): the clock floor alone keeps seq above the past', () => {
  const root = tmp();
  const state = join(root, 'state');
  const live = liveState(state);
  const file = join(root, 'backup.tar.gz');
  const t0 = Date.now();
  writeBackup(state, file, META, new Date(t0));
  let sent = live.sent;
  for (let i = 0; i < 20_000; i++) sent = live.counter.next();
  // The SD card dies; a new one has no state_dir at all.
  const fresh = join(root, 'new-card', 'state');
  mkdirSync(join(root, 'new-card'));
  const r = restoreBackup(file, fresh, { now: new Date(t0 + 1000) });
  assert.equal(r.previous, undefined);
  assert.equal(r.seqFloor, clockFloor(t0 + 1000));
  const next = SequenceCounter.open(fresh).next();
  assert.ok(next > sent, `seq ${next} must be above ${sent}`);
  rmSync(root, { recursive: true, force: true });
});

test('a clock earlier than the backup (no RTC, no NTP yet) is refused unless --force; nothing is touched', () => {
  const root = tmp();
  const state = join(root, 'state');
  liveState(state);
  const file = join(root, 'backup.tar.gz');
  const t = new Date('2026-06-01T12:00:00Z');
  writeBackup(state, file, META, t);
  writeFileSync(join(state, 'marker'), 'current');
  assert.throws(() => restoreBackup(file, state, { now: new Date('1970-01-01T00:01:00Z') }), /clock says 1970.*timedatectl/);
  assert.throws(() => restoreBackup(file, state, { now: new Date(t.getTime() - 3600_000) }), StateArchiveError);
  assert.equal(readFileSync(join(state, 'marker'), 'utf8'), 'current', 'a refused restore changes nothing');
  assert.deepEqual(readdirSync(root).sort(), ['backup.tar.gz', 'state'], 'and leaves no temp dirs');
  const r = restoreBackup(file, state, { now: new Date(t.getTime() - 3600_000), force: true });
  // Forced, the floor still never goes below the state it replaced.
  assert.ok(r.seqFloor >= 301n);
  assert.ok(!existsSync(join(state, 'marker')));
  rmSync(root, { recursive: true, force: true });
});

test('archives that are not lowband backups, or carry links, are refused before anything changes', () => {
  const root = tmp();
  const state = join(root, 'state');
  liveState(state);
  const evil = join(root, 'evil');
  mkdirSync(evil);
  writeFileSync(join(evil, 'lowband-backup.json'), JSON.stringify({ format: 1, created_at: '2025-01-01T00:00:00Z' }));
  symlinkSync('/etc', join(evil, 'etc'));
  assert.equal(spawnSync('tar', ['-czf', join(root, 'evil.tar.gz'), '-C', evil, '.']).status, 0);
  assert.throws(() => restoreBackup(join(root, 'evil.tar.gz'), state), /unexpected member .*etc \(type l\)/);

  const plain = join(root, 'plain');
  mkdirSync(plain);
  writeFileSync(join(plain, 'seq'), '5\n');
  assert.equal(spawnSync('tar', ['-czf', join(root, 'plain.tar.gz'), '-C', plain, '.']).status, 0);
  assert.throws(() => restoreBackup(join(root, 'plain.tar.gz'), state), /not a lowband backup/);
  assert.throws(() => restoreBackup(join(root, 'missing.tar.gz'), state), /does not exist/);
  assert.equal(readFileSync(join(state, 'seq'), 'utf8'), '301\n');
  rmSync(root, { recursive: true, force: true });
});

test('lowband backup and lowband restore from the command line', () => {
  const root = tmp();
  const state = join(root, 'state');
  liveState(state);
  const cfg = join(root, 'lowband.yaml');
  writeFileSync(cfg, `state_dir: ${state}\ncontrol:\n  socket: ${join(root, 'control.sock')}\n`);
  const out = join(root, 'b.tar.gz');
  const b = spawnSync(process.execPath, cliArgs('backup', '--config', cfg, '--out', out), { encoding: 'utf8', timeout: 60_000 });
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /backup: .*b\.tar\.gz .*seq reserved up to 301/);
  assert.doesNotMatch(b.stdout + b.stderr, /00112233445566778899aabbccddeeff/, 'no key in the output');
  const r = spawnSync(process.execPath, cliArgs('restore', out, '--config', cfg), { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /seq resumes at or above \d{16,}/);
  assert.match(r.stdout, /replaced state is in .*state\.before-restore-/);
  const usage = spawnSync(process.execPath, cliArgs('restore', '--config', cfg), { encoding: 'utf8', timeout: 60_000 });
  assert.equal(usage.status, 2);
  rmSync(root, { recursive: true, force: true });
});

test('lowband restore refuses while the gateway answers on its control socket', async (t) => {
  const root = tmp();
  const state = join(root, 'state');
  liveState(state);
  const sock = join(root, 'control.sock');
  const cfg = join(root, 'lowband.yaml');
  writeFileSync(cfg, `state_dir: ${state}\ncontrol:\n  socket: ${sock}\n`);
  const file = join(root, 'b.tar.gz');
  writeBackup(state, file, META);
  // Answers ping the way the gateway's control API does.
  const server = createServer((c) => c.once('data', () => c.end(JSON.stringify({ id: 1, ok: true, result: { pid: 4242 } }) + '\n')));
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const child = spawn(process.execPath, cliArgs('restore', file, '--config', cfg), { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error('lowband restore did not exit within 60 s')), 60_000);
    child.once('exit', (c) => {
      clearTimeout(limit);
      resolve(c);
    });
  });
  assert.equal(code, 1);
  assert.match(stderr, /the gateway is running .*systemctl stop lowband/);
  assert.ok(!readdirSync(root).some((n) => n.includes('before-restore')), 'nothing was swapped');
  rmSync(root, { recursive: true, force: true });
});

test('a corrupt seq file, in the state being replaced or in the backup, is no crash: the clock floor stands in for it', () => {
  const root = tmp();
  const state = join(root, 'state');
  liveState(state);
  writeFileSync(join(state, 'seq'), 'garbage\n');
  const file = join(root, 'backup.tar.gz');
  const when = new Date();
  const m = writeBackup(state, file, META, when);
  assert.equal(m.seq, undefined, 'a backup of a state whose seq file is corrupt says nothing about seq');
  writeFileSync(join(state, 'seq'), 'also garbage\n');
  const r = restoreBackup(file, state, { now: new Date(when.getTime() + 60_000) });
  assert.ok(r.seqFloor >= clockFloor(when.getTime() + 60_000));
  const next = SequenceCounter.open(state, { block: 100 }).next();
  assert.ok(next > r.seqFloor - 1n && next >= clockFloor(when.getTime()), `seq ${next} continues from the clock floor`);
  rmSync(root, { recursive: true, force: true });
});
