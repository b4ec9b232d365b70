import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { test } from 'node:test';
import { ConfigError, ConfigErrors, parseConfig } from '../../src/config/load';

import { cliArgs, REPO } from '../helpers/paths';

test('the shipped config/lowband.yaml is valid and matches the defaults', () => {
  const shipped = parseConfig(readFileSync(join(REPO, 'config', 'lowband.yaml'), 'utf8'));
  const empty = parseConfig('');
  assert.deepEqual(shipped.upstream.publish, empty.upstream.publish);
  assert.deepEqual(shipped.spool, empty.spool);
  assert.equal(empty.control.socket, '/run/lowband/control.sock');
});

test('the contract example parses', () => {
  const cfg = parseConfig(`
gateway: { id: pi-garden }
state_dir: /var/lib/lowband
lora:
  - name: lora0
    port: /dev/ttyUSB0
    modem: rn2483
    baud: 57600
    radio: { freq: 868100000, sf: 7, bw: 125, cr: "4/5" }
udp: [ { name: udp0, bind: "0.0.0.0:1700" } ]
lorawan:
  devices:
    - { devaddr: 49be7df1, nwkskey: 44024241ed4ce9a68c6a8bc055233fd3, appskey: ec925802ae430ca77fd3dd73cb2cc588, codec: cayenne, name: field-probe }
ble: { enabled: true, hci: 0, forward: paired, min_rssi: -100 }
upstream:
  publish: { bind: [ "tcp://127.0.0.1:5556" ], connect: [], hwm: 10000 }
  reliable: { connect: "tcp://backend.example:5557", window: 1000, ack_timeout_ms: 5000 }
  mqtt: { url: "mqtt://127.0.0.1:1883", topic_prefix: lowband, homeassistant: true }
  curve: { secret_key_file: /var/lib/lowband/keys/gateway.key, allowed_clients_file: /etc/lowband/clients.allow }
spool: { max_bytes: 64MiB, fsync_ms: 200 }
control: { socket: /run/lowband/control.sock }
log: { level: info }
`);
  assert.equal(cfg.spool.max_bytes, 64 * 1024 * 1024);
  assert.equal(cfg.lora[0].radio.sf, 7);
  assert.equal(cfg.upstream.reliable?.window, 1000);
});

test('errors name the key path, the bad value and what was expected', () => {
  const cases: [string, RegExp][] = [
    ['upstream: { publish: { hwm: "lots" } }', /^upstream\.publish\.hwm: expected an integer >= 1.*got "lots"/],
    ['lora: [ { name: lora0, port: /dev/x, modem: sx1276 } ]', /^lora\[0\]\.modem: expected one of rn2483 \| rn2903 \| rak3172 \| wio-e5, got "sx1276"/],
    ['spool: { max_bytes: huge }', /^spool\.max_bytes: expected a size like 64MiB/],
    ['ble: { colour: blue }', /^ble\.colour: expected one of the keys enabled, hci, .*got unknown key "colour"/],
    ['bogus: 1', /^bogus: expected one of the keys gateway, state_dir, .*got unknown key "bogus"/],
    ['lorawan: { devices: [ { devaddr: 49be7df1, nwkskey: 00, appskey: 00 } ] }', /^lorawan\.devices\[0\]\.nwkskey: expected 16 bytes/],
    ['lora: [ { name: a, port: /dev/x }, { name: a, port: /dev/y } ]', /^lora\[1\]\.name: expected a name not used/],
    ['upstream: { publish: { bind: [ "localhost:5556" ] } }', /^upstream\.publish\.bind\[0\]: expected a ZeroMQ endpoint/],
    ['a: [unclosed', /valid YAML/],
    ['udp: [ { name: udp0, bind: "0.0.0.0:99999" } ]', /^udp\[0\]\.bind: expected host:port like 0\.0\.0\.0:1700 \(port 0-65535\)/],
    ['upstream: { mqtt: { url: "mqtt://127.0.0.1:70000" } }', /^upstream\.mqtt\.url: expected mqtt:\/\/host:port/],
    ['upstream: { mqtt: { window: 65535, url: "mqtt://h:1883" } }', /^upstream\.mqtt\.window: expected an integer >= 1 <= 65000/],
  ];
  for (const [yaml, re] of cases) {
    // Each problem's own message (the located line adds `config:line:col: ` in front).
    assert.throws(() => parseConfig(yaml), (err: unknown) => err instanceof ConfigErrors && re.test(err.errors[0].message), yaml);
  }
});

test('an MQTT URL with a password is refused without echoing the password', () => {
  try {
    parseConfig('upstream: { mqtt: { url: "mqtt://ha:S3cretPw@broker:1883" } }');
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.match((err as Error).message, /^config:1:26: upstream\.mqtt\.url: .*credentials go in username and password_file/);
    assert.doesNotMatch((err as Error).message, /S3cretPw/);
  }
});

test('secrets are not echoed back in errors', () => {
  try {
    parseConfig('lorawan: { devices: [ { devaddr: 49be7df1, nwkskey: 44024241ed4ce9a68c6a8bc055233fd, appskey: ec925802ae430ca77fd3dd73cb2cc588 } ] }');
    assert.fail('should throw');
  } catch (err) {
    assert.doesNotMatch((err as Error).message, /44024241/);
  }
});

test('lowband config check: one line naming the key, exit 2; a good file exits 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-cfg-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'upstream:\n  publish:\n    hwm: -5\n');
  const r = spawnSync(process.execPath, cliArgs('config', 'check', '--config', bad), { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(r.stderr, `${bad}:3:10: upstream.publish.hwm: expected an integer >= 1 <= 10000000, got -5\n`);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  const good = join(dir, 'good.yaml');
  writeFileSync(good, `state_dir: ${dir}\n`);
  const ok = spawnSync(process.execPath, cliArgs('config', 'check', '--config', good), { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /config ok/);
  // Sizes and durations the way the config writes them, not raw byte counts or JSON.
  assert.match(ok.stdout, /\n {2}spool: 64MiB on disk, fsync every 200 ms, segments of 4MiB\n/);
  assert.match(ok.stdout, /\n {4}- hwm 10000, queue 10000 messages \/ 16MiB, drop-oldest\n/);
  assert.doesNotMatch(ok.stdout, /[{}[\]]|\d{6,} bytes/);
  const missing = spawnSync(process.execPath, cliArgs('config', 'check', '--config', join(dir, 'nope.yaml')), { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.yaml: expected a readable config file \(ENOENT\)/);
});

test('an unreadable MQTT password file is a config error at start: one line, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-cfg-'));
  const path = join(dir, 'c.yaml');
  writeFileSync(path, JSON.stringify({
    state_dir: join(dir, 'state'), ble: { enabled: false }, control: { socket: join(dir, 'c.sock') },
    upstream: { publish: { bind: [`ipc://${join(dir, 'p.sock')}`] }, mqtt: { url: 'mqtt://127.0.0.1:1', username: 'gw', password_file: join(dir, 'missing') } },
  }));
  const r = spawnSync(process.execPath, cliArgs('run', '--config', path), { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^lowband: config error: upstream\.mqtt\.password_file: cannot read .*missing: ENOENT\n$/);
});

test('the YAML library is let go after each parse, and a later parse (a reload) loads it again', () => {
  const yamlLoaded = () => Object.keys(require.cache).some((f) => f.includes(`${sep}node_modules${sep}yaml${sep}`));
  parseConfig('gateway: { id: a }');
  assert.equal(yamlLoaded(), false, 'no yaml module left in the module cache');
  assert.equal(parseConfig('gateway: { id: b }').gateway.id, 'b');
  // Errors still carry their line and column after the library was dropped and loaded again.
  assert.throws(
    () => parseConfig('gateway:\n  id: c\nspool: { max_bytes: -1 }'),
    (e: unknown) => e instanceof ConfigErrors && /config:3:\d+: spool\.max_bytes/.test(e.lines.join('\n')),
  );
  assert.equal(yamlLoaded(), false, 'dropped after a failed parse too');
});
