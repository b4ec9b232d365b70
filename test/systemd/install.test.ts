import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO } from '../helpers/paths';

const INSTALL = join(REPO, 'systemd', 'install.sh');
const UNINSTALL = join(REPO, 'systemd', 'uninstall.sh');

/** Every entry under `root` as `mode path sha256` (symlinks by target), sorted. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const rel = relative(root, p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.push(`d ${mode} ${rel}`);
        walk(p);
      } else if (st.isSymbolicLink()) out.push(`l ${rel} -> ${readlinkSync(p)}`);
      else out.push(`f ${mode} ${rel} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`);
    }
  };
  walk(root);
  return out.sort();
}

function sh(script: string, args: string[]): string {
  const r = spawnSync('/bin/sh', [script, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(r.status, 0, `${script} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function fakeApp(dir: string): string {
  const app = join(dir, 'app');
  mkdirSync(join(app, 'dist', 'src', 'cli'), { recursive: true });
  writeFileSync(join(app, 'dist', 'src', 'cli', 'main.js'), 'console.log("lowband")\n');
  mkdirSync(join(app, 'dist', 'src', 'old'), { recursive: true });
  writeFileSync(join(app, 'dist', 'src', 'old', 'gone.js'), '// removed in the next version\n');
  copyFileSync(join(REPO, 'package.json'), join(app, 'package.json'));
  copyFileSync(join(REPO, 'package-lock.json'), join(app, 'package-lock.json'));
  return app;
}

test('install into a throw-away root: files, modes, idempotence, edited config kept, uninstall', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-install-'));
  try {
    const app = fakeApp(dir);
    const root = join(dir, 'root');
    const args = ['--root', root, '--app', app, '--deps', 'none'];
    const first = sh(INSTALL, args);
    assert.match(first, /systemctl: skipped \(--root\)/);
    const l1 = listing(root);
    const mode = (p: string): string => (lstatSync(join(root, p)).mode & 0o777).toString(8);
    assert.equal(mode('etc/systemd/system/lowband.service'), '644');
    assert.equal(mode('usr/lib/sysusers.d/lowband.conf'), '644');
    assert.equal(mode('etc/udev/rules.d/99-lowband.rules'), '644');
    assert.equal(mode('etc/lowband/lowband.yaml'), '640', 'config readable by root and group lowband only');
    assert.equal(mode('etc/lowband'), '750');
    assert.equal(mode('var/lib/lowband'), '750');
    assert.equal(mode('usr/bin/lowband'), '755');
    assert.match(readFileSync(join(root, 'usr/bin/lowband'), 'utf8'), /exec \S+ \/opt\/lowband\/dist\/src\/cli\/main\.js "\$@"/);
    assert.equal(readFileSync(join(root, 'etc/lowband/lowband.yaml'), 'utf8'), readFileSync(join(REPO, 'config/lowband.yaml'), 'utf8'));

    // second run: byte-for-byte and mode-for-mode the same tree, and it says it wrote nothing
    const second = sh(INSTALL, args);
    assert.doesNotMatch(second, /wrote|removed|mode /);
    assert.deepEqual(listing(root), l1);

    // an edited config survives; the new default lands next to it
    appendFileSync(join(root, 'etc/lowband/lowband.yaml'), '# my edit\n');
    const edited = readFileSync(join(root, 'etc/lowband/lowband.yaml'), 'utf8');
    rmSync(join(app, 'dist', 'src', 'old'), { recursive: true });
    const third = sh(INSTALL, args);
    assert.match(third, /kept your edited \/etc\/lowband\/lowband\.yaml/);
    assert.match(third, /removed \/opt\/lowband\/dist\/src\/old\/gone\.js/, 'upgrade drops stale files');
    assert.equal(readFileSync(join(root, 'etc/lowband/lowband.yaml'), 'utf8'), edited);
    assert.equal(mode('etc/lowband/lowband.yaml.new-default'), '640');
    const l3 = listing(root);
    sh(INSTALL, args);
    assert.deepEqual(listing(root), l3, 'idempotent with an edited config too');

    // state the gateway wrote must survive uninstall
    writeFileSync(join(root, 'var/lib/lowband/seq'), '42\n');
    const un = sh(UNINSTALL, ['--root', root]);
    assert.match(un, /kept your edited/);
    const files = listing(root).filter((l) => !l.startsWith('d '));
    assert.deepEqual(files.map((l) => l.split(' ')[2]).sort(), ['etc/lowband/lowband.yaml', 'var/lib/lowband/seq']);
    sh(UNINSTALL, ['--root', root]); // again: nothing to do, still fine

    sh(UNINSTALL, ['--root', root, '--purge']);
    assert.deepEqual(listing(root).filter((l) => !l.startsWith('d ')), []);
    assert.equal(existsSync(join(root, 'var/lib/lowband')), false);
    assert.equal(existsSync(join(root, 'etc/lowband')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unedited config is removed by uninstall; a missing build is refused with the fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-install-'));
  try {
    const app = fakeApp(dir);
    const root = join(dir, 'root');
    sh(INSTALL, ['--root', root, '--app', app, '--deps', 'none']);
    sh(UNINSTALL, ['--root', root]);
    assert.deepEqual(listing(root).filter((l) => !l.startsWith('d ')), []);
    const r = spawnSync('/bin/sh', [INSTALL, '--root', root, '--app', join(dir, 'nothing'), '--deps', 'none'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /build first: npm ci && npm run build/);
    const bad = spawnSync('/bin/sh', [INSTALL, '--bogus'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--deps copy brings node_modules (symlinks too) and stays idempotent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-install-'));
  try {
    const app = fakeApp(dir);
    mkdirSync(join(app, 'node_modules', 'pkg', 'bin'), { recursive: true });
    writeFileSync(join(app, 'node_modules', 'pkg', 'index.js'), 'module.exports = 1\n');
    writeFileSync(join(app, 'node_modules', 'pkg', 'bin', 'cli'), '#!/bin/sh\n', { mode: 0o755 });
    mkdirSync(join(app, 'node_modules', '.bin'));
    symlinkSync('../pkg/bin/cli', join(app, 'node_modules', '.bin', 'pkg'));
    const root = join(dir, 'root');
    const args = ['--root', root, '--app', app, '--deps', 'copy'];
    assert.match(sh(INSTALL, args), /copied node_modules/);
    assert.equal(readlinkSync(join(root, 'opt/lowband/node_modules/.bin/pkg')), '../pkg/bin/cli');
    assert.equal(lstatSync(join(root, 'opt/lowband/node_modules/pkg/bin/cli')).mode & 0o777, 0o755);
    const l1 = listing(root);
    writeFileSync(join(app, 'node_modules', 'pkg', 'index.js'), 'module.exports = 2\n');
    assert.match(sh(INSTALL, args), /wrote \/opt\/lowband\/node_modules\/pkg\/index\.js/);
    assert.notDeepEqual(listing(root), l1);
    const l2 = listing(root);
    assert.doesNotMatch(sh(INSTALL, args), /wrote|copied/);
    assert.deepEqual(listing(root), l2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the unit passes systemd-analyze verify and scores <= 2.5 on security', { skip: !existsSync('/usr/bin/systemd-analyze') && 'no systemd-analyze' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-unit-'));
  try {
    // verify wants ExecStart to exist: point it at a real executable, change nothing else.
    const bin = join(dir, 'lowband');
    writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    const unit = readFileSync(join(REPO, 'systemd/lowband.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/bin\/lowband run --config \/etc\/lowband\/lowband\.yaml$/m);
    assert.doesNotMatch(unit, /^MemoryDenyWriteExecute=/m, 'V8 JIT needs W+X mappings');
    // `systemctl reload` is SIGHUP, which `lowband run` answers by re-reading the allow-list (test/e2e/curve-reload).
    assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    const copy = join(dir, 'lowband.service');
    writeFileSync(copy, unit.replace(/^ExecStart=\/usr\/bin\/lowband/m, `ExecStart=${bin}`));
    const v = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stderr.trim(), '', `verify printed warnings:\n${v.stderr}`);
    const s = execFileSync('systemd-analyze', ['security', '--offline=true', copy], { encoding: 'utf8' });
    const m = /Overall exposure level for lowband\.service: ([0-9.]+)/.exec(s);
    assert.ok(m, s);
    const score = Number(m[1]);
    console.log(`systemd-analyze security: overall exposure ${score}`);
    assert.ok(score <= 2.5, `exposure ${score} > 2.5`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
