import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, ConfigErrors, parseConfig } from '../../src/config/load';
import { msText, sizeText } from '../../src/cli/format';
import { closest } from '../../src/util/did-you-mean';
import { cliArgs } from '../helpers/paths';

// Six mistakes on known lines; the column is where the bad value (or unknown key) starts.
const SEVERAL = [
  'gateway:',
  '  id: pi garden', //                 2:7 value
  'ble:',
  '  enabeld: true', //                 4:3 unknown key, near "enabled"
  '  hci: nine', //                     5:8
  'upstream:',
  '  publish:',
  '    hwm: lots', //                   8:10
  'spool:',
  '  max_bytes: huge', //              10:14
  'lora:',
  '  - name: lora0',
  '    port: /dev/ttyUSB0',
  '    modem: sx1276', //              14:12
  '',
].join('\n');

function errorsOf(text: string, source?: string): ConfigErrors {
  try {
    parseConfig(text, source);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    return err;
  }
  assert.fail('expected a config error');
}

test('every mistake in one run, in file order, each at its line:col', () => {
  const e = errorsOf(SEVERAL, 'my.yaml');
  assert.deepEqual(e.lines.map((l) => l.split(': ')[0]), [
    'my.yaml:2:7', 'my.yaml:4:3', 'my.yaml:5:8', 'my.yaml:8:10', 'my.yaml:10:14', 'my.yaml:14:12',
  ]);
  assert.deepEqual(e.errors.map((x) => x.path), ['gateway.id', 'ble.enabeld', 'ble.hci', 'upstream.publish.hwm', 'spool.max_bytes', 'lora[0].modem']);
  assert.equal(e.lines[3], 'my.yaml:8:10: upstream.publish.hwm: expected an integer >= 1 <= 10000000, got "lots"');
  // Still one ConfigError for code that catches one; its message is the located lines.
  assert.ok(e instanceof ConfigError);
  assert.equal(e.message, e.lines.join('\n'));
});

test('a misspelt key suggests the near one; a far one lists the known keys', () => {
  const near = errorsOf('ble:\n  enabeld: false\n');
  assert.equal(near.lines[0], 'config:2:3: ble.enabeld: expected a known key (did you mean "enabled"?), got unknown key "enabeld"');
  const far = errorsOf('spool:\n  colour: blue\n');
  assert.match(far.lines[0], /^config:2:3: spool\.colour: expected one of the keys max_bytes, fsync_ms, segment_bytes, got unknown key "colour"$/);
  assert.equal(errorsOf('upstrem: {}\n').errors[0].expected, 'a known key (did you mean "upstream"?)');
});

test('items of a list and mappings in flow style are located too', () => {
  const e = errorsOf('udp: [ { name: udp0, bind: "0.0.0.0:99999" }, { name: Udp1, bind: x } ]\n');
  assert.deepEqual(e.lines.map((l) => l.split(': ').slice(0, 2).join(': ')), [
    'config:1:28: udp[0].bind', 'config:1:55: udp[1].name', 'config:1:67: udp[1].bind',
  ]);
});

test('a missing required key points at the mapping that lacks it', () => {
  const e = errorsOf('lora:\n  - port: /dev/ttyUSB0\n');
  assert.equal(e.lines[0], 'config:2:5: lora[0].name: expected a short name like lora0 (a-z, 0-9, _ -), got nothing');
});

test('cross-key rules report every clash', () => {
  const e = errorsOf('udp: [ { name: a, bind: "0.0.0.0:1" }, { name: a, bind: "0.0.0.0:2" }, { name: a, bind: "0.0.0.0:3" } ]\n');
  assert.deepEqual(e.errors.map((x) => x.path), ['udp[1].name', 'udp[2].name']);
});

test('YAML syntax errors carry line and column, all of them', () => {
  const e = errorsOf('ble:\n  enabled: true\n  enabled: false\nspool: { max_bytes: 1MiB\n');
  assert.ok(e.lines.length >= 2, e.message);
  for (const l of e.lines) assert.match(l, /^config:\d+:\d+: not valid YAML: \S/);
  assert.match(e.lines[0], /^config:3:3: not valid YAML: Map keys must be unique/);
  assert.match(e.lines[1], /^config:5:1: not valid YAML: Flow map .* end with a }/);
});

test('an alias bomb is a config error, not a crash', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', ''].join('\n');
  assert.match(errorsOf(bomb).lines[0], /^config:1:1: not valid YAML: /);
});

test('did-you-mean: near words only, swaps count as one edit', () => {
  assert.equal(closest('stauts', ['status', 'scan', 'tail']), 'status');
  assert.equal(closest('enabeld', ['enabled', 'hci']), 'enabled');
  assert.equal(closest('xyz', ['status', 'scan']), undefined);
  assert.equal(closest('status', ['status']), undefined, 'no suggestion for the word itself');
  assert.equal(closest('x'.repeat(100_000), ['status']), undefined, 'long input is not compared');
});

for (const command of ['config check', 'run']) {
  test(`lowband ${command}: every error, one line each, file:line:col first, exit 2`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'lowband-cfgerr-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, SEVERAL);
    const r = spawnSync(process.execPath, cliArgs(...command.split(' '), '--config', path), { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 6, r.stderr);
    for (const l of lines) assert.ok(l.startsWith(`${path}:`), l);
    assert.match(lines[1], /:4:3: ble\.enabeld: .*did you mean "enabled"/);
    assert.equal(r.stdout, '');
  });
}

test('sizes and durations as the config writes them', () => {
  assert.deepEqual([64 * 1024 ** 2, 4096, 1536, 1000, 3 * 1024 ** 3].map(sizeText), ['64MiB', '4KiB', '1.5KiB', '1000 B', '3GiB']);
  assert.deepEqual([200, 5000, 300_000, 3_600_000, 1500].map(msText), ['200 ms', '5 s', '5 min', '1 h', '1500 ms']);
});
