import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs } from '../helpers/paths';
import { ConfigError, gatewayId, parseConfig } from '../../src/config/load';

/** The error's lines without their `file:line:col: ` place, so the key path comes first. */
const unplaced = (message: string) => message.replace(/^[^\n]*?:\d+:\d+: /gm, '');
const refused = (yaml: string, re: RegExp) =>
  assert.throws(() => parseConfig(yaml), (err: unknown) => err instanceof ConfigError && re.test(unplaced(err.message)), yaml);

test('gateway.id is one subject token: a dotted or wildcard id is refused at config check', () => {
  for (const id of ['pi.garden', 'pi*', 'pi>', 'pi garden']) {
    refused(`gateway: { id: "${id}" }`, /^gateway\.id: expected an id of 1-64 letters, digits, _ or - \(no dots\)/);
  }
  assert.equal(parseConfig('gateway: { id: Pi_garden-2 }').gateway.id, 'Pi_garden-2');
});

test('the default id from a dotted host name fits the rule', () => {
  const cfg = parseConfig('');
  assert.equal(gatewayId(cfg, 'Pi.Farm.lan'), 'pi-farm-lan');
  assert.equal(gatewayId(cfg, 'raspberrypi'), 'raspberrypi');
  assert.match(gatewayId(cfg, 'a'.repeat(80) + '.x'), /^[a-z0-9_-]{1,64}$/);
  assert.equal(gatewayId(cfg, ''), 'lowband');
});

test('upstream.nats: defaults, a single URL or a cluster list', () => {
  const one = parseConfig('upstream: { nats: { url: "nats://127.0.0.1:4222" } }').upstream.nats!;
  assert.deepEqual(one.url, ['nats://127.0.0.1:4222']);
  assert.equal(one.stream, 'LOWBAND');
  assert.equal(one.subject_prefix, 'lowband');
  assert.equal(one.duplicate_window_s, 120);
  assert.equal(one.window, 1000);
  const list = parseConfig('upstream: { nats: { url: [ "tls://a:4222", "tls://b:4222" ], ca_file: /etc/ca.pem } }').upstream.nats!;
  assert.deepEqual(list.url, ['tls://a:4222', 'tls://b:4222']);
  assert.equal(parseConfig('').upstream.nats, undefined);
});

test('upstream.nats: bad values are refused with the key path, secrets not echoed', () => {
  refused('upstream: { nats: { url: "http://x:1" } }', /^upstream\.nats\.url: expected nats:\/\/host:port or tls:\/\/host:port/);
  refused('upstream: { nats: { url: [ "nats://a:1", "tls://b:2" ] } }', /^upstream\.nats\.url: expected URLs that are all tls:\/\/ or all nats:\/\//);
  refused('upstream: { nats: { url: "nats://a:1", stream: "a.b" } }', /^upstream\.nats\.stream: expected a stream name/);
  refused('upstream: { nats: { url: "nats://a:1", subject_prefix: "x.>" } }', /^upstream\.nats\.subject_prefix: expected subject tokens/);
  refused('upstream: { nats: { url: "nats://a:1", user: gw } }', /^upstream\.nats\.password_file: expected user and password_file together/);
  refused('upstream: { nats: { url: "nats://a:1", token_file: /t, creds_file: /c } }', /^upstream\.nats: expected one way to authenticate/);
  refused('upstream: { nats: { url: "nats://a:1", duplicate_window_s: 0 } }', /^upstream\.nats\.duplicate_window_s: expected an integer >= 1/);
  refused('upstream: { nats: { url: "nats://a:1", reconnect_min_ms: 5000, reconnect_max_ms: 100 } }', /^upstream\.nats\.reconnect_max_ms: expected at least reconnect_min_ms/);
  try {
    parseConfig('upstream: { nats: { url: "nats://gw:S3cretPw@h:4222" } }');
    assert.fail('should throw');
  } catch (err) {
    assert.match(unplaced((err as Error).message), /^upstream\.nats\.url\[?0?\]?: .*credentials go in/);
    assert.doesNotMatch((err as Error).message, /S3cretPw/);
  }
});

test('lowband config check shows the NATS servers, stream and this gateway\'s subjects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-cfg-nats-'));
  try {
    const path = join(dir, 'c.yaml');
    writeFileSync(path, 'gateway: { id: pi-north }\nupstream: { nats: { url: [ "nats://a:4222", "nats://b:4222" ], stream: FARM } }\n');
    const r = spawnSync(process.execPath, cliArgs('config', 'check', '--config', path), { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /nats: nats:\/\/a:4222, nats:\/\/b:4222 stream FARM, subjects lowband\.pi-north\.>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
