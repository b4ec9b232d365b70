import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/paths';

const tools = existsSync('/usr/bin/strace') && existsSync('/usr/bin/systemd-analyze');

/** Expands a systemd syscall group (recursively) into syscall names. */
function expand(group: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(group)) return out;
  seen.add(group);
  const text = execFileSync('systemd-analyze', ['syscall-filter', group], { encoding: 'utf8' });
  for (const raw of text.split('\n').slice(1)) {
    const s = raw.trim();
    if (!s || s.startsWith('#')) continue;
    if (s.startsWith('@')) for (const x of expand(s, seen)) out.add(x);
    else out.add(s);
  }
  return out;
}

/**
 * Runs node doing what the gateway does at start (zeromq socket, unix listener, serial port
 * listing, python3 notify helper, statfs) under strace, and checks that no syscall it makes
 * is in a group the unit denies: a denied call gets EPERM, and libzmq aborts on some of them.
 */
test('syscalls the gateway makes are not denied by the unit filter', { skip: !tools && 'needs strace and systemd-analyze' }, () => {
  const unit = readFileSync(join(REPO, 'systemd/lowband.service'), 'utf8');
  const deny = /^SystemCallFilter=~(.+)$/m.exec(unit);
  assert.ok(deny, 'unit has a deny list');
  const denied = new Set<string>();
  for (const g of deny[1].trim().split(/\s+/)) for (const s of g.startsWith('@') ? expand(g) : [g]) denied.add(s);

  const dir = mkdtempSync(join(tmpdir(), 'lowband-sys-'));
  try {
    const script = join(dir, 'probe.js');
    writeFileSync(
      script,
      `
      const z = require(${JSON.stringify(join(REPO, 'node_modules/zeromq'))});
      const { SerialPort } = require(${JSON.stringify(join(REPO, 'node_modules/serialport'))});
      const net = require('net'), fs = require('fs'), cp = require('child_process');
      const srv = net.createServer().listen(${JSON.stringify(join(dir, 'c.sock'))}, async () => {
        const p = new z.Publisher({ linger: 0 }); await p.bind('tcp://127.0.0.1:0');
        const s = new z.Dealer({ linger: 0 }); s.connect('tcp://127.0.0.1:1'); s.close(); p.close();
        cp.spawnSync('/usr/bin/python3', ['-c', 'import socket, json; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)']);
        await SerialPort.list().catch(() => []);
        fs.writeFileSync(${JSON.stringify(join(dir, 'x'))}, 'x'); fs.statfsSync(${JSON.stringify(dir)});
        srv.close(); process.exit(0);
      });`,
    );
    const trace = join(dir, 'trace');
    const r = spawnSync('strace', ['-f', '-qq', '-o', trace, process.execPath, script], { encoding: 'utf8', timeout: 25_000 });
    assert.equal(r.status, 0, r.stderr);
    const used = new Set<string>();
    for (const line of readFileSync(trace, 'utf8').split('\n')) {
      const m = /^\d+\s+([a-z_0-9]+)\(/.exec(line);
      if (m) used.add(m[1]);
    }
    assert.ok(used.has('socket') && used.size > 30, `strace saw ${used.size} syscalls`);
    const hit = [...used].filter((s) => denied.has(s));
    console.log(`syscalls used: ${used.size}; in denied groups: ${hit.join(', ') || 'none'}`);
    assert.deepEqual(hit, []);
    // Outside the allow list a call gets EPERM; only calls known to cope with that may be made.
    const allowed = expand('@system-service');
    const TOLERATED = new Set(['pkey_alloc']); // V8 falls back when memory protection keys are unavailable
    const outside = [...used].filter((s) => !allowed.has(s) && !TOLERATED.has(s));
    assert.deepEqual(outside, [], 'syscalls outside @system-service');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
