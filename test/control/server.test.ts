import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer } from '../../src/control/server';
import { callControl, ControlCallError, resolveControlSocket } from '../../src/control/client';
import type { BleControl, GatewayServices, GatewayStatus, PairedDevice } from '../../src/control/protocol';
import { createLogger } from '../../src/util/log';
import { validate, type Schema } from './json-schema';
import { formatStatus } from '../../src/cli/commands/status';
import { REPO } from '../helpers/paths';

const logger = createLogger('silent');

function fakeStatus(): GatewayStatus {
  return {
    version: '0.1.0',
    gateway: 'pi-test',
    pid: process.pid,
    startedAt: new Date(Date.now() - 3723_000).toISOString(),
    uptimeS: 3723,
    seq: '18446744073709551610',
    readings: { total: 1234, perSecond: 2.5 },
    drops: { duplicate: 3 },
    adapters: [
      { name: 'lora0', kind: 'rn2483', state: 'running', detail: '/dev/ttyUSB0', lastHeardUs: Date.now() * 1000 - 12_000_000, received: 1000, drops: { garbage: 1 } },
      { name: 'ble', kind: 'ble', state: 'degraded', detail: 'hci0 down', received: 234, drops: {} },
    ],
    sinks: [
      { name: 'publish', kind: 'publish', state: 'listening', cursor: '1234', inFlight: 0, backlog: { messages: 0, bytes: 0 }, drops: {}, subscribers: 1 },
      { name: 'reliable', kind: 'reliable', state: 'connecting', cursor: '1200', inFlight: 34, backlog: { messages: 34, bytes: 4096 }, drops: { spool_full: 2 } },
    ],
    spool: { usedBytes: 1048576, maxBytes: 67108864 },
    decoders: { lorawan: { decoded: 900, mic_failed: 4, codec_error: 0 } },
    alarms: ['reliable: backend unreachable for 5m'],
  };
}

/** A BLE side that remembers enrolments in memory, keys included, so tests can see them stored. */
class FakeBle implements BleControl {
  readonly keys = new Map<string, string | undefined>();
  private readonly list = new Map<string, PairedDevice>();
  async pair(mac: string, opts: { name?: string; key?: string }): Promise<PairedDevice> {
    const d = { mac, name: opts.name, hasKey: !!opts.key, pairedAt: '2026-01-01T00:00:00.000Z' };
    this.list.set(mac, d);
    this.keys.set(mac, opts.key);
    return d;
  }
  async unpair(mac: string): Promise<boolean> {
    this.keys.delete(mac);
    return this.list.delete(mac);
  }
  devices(): PairedDevice[] {
    return [...this.list.values()];
  }
  nearby() {
    return [
      { mac: 'A4:C1:38:00:00:01', name: 'ATC_1', fmt: 'pvvx', rssi: -70, lastSeen: new Date().toISOString(), paired: false, fields: { temperature: 21.5 } },
      { mac: 'A4:C1:38:00:00:02', rssi: -50, lastSeen: new Date().toISOString(), paired: true },
    ];
  }
}

function setup(services: GatewayServices = { status: fakeStatus, ble: new FakeBle() }, limits = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-ctl-'));
  const path = join(dir, 'run', 'control.sock'); // parent missing on purpose
  const server = new ControlServer(path, services, logger, limits);
  return { dir, path, server, cleanup: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Sends raw lines on one connection and collects `n` response lines. */
function rawExchange(path: string, payload: string, n: number): Promise<{ lines: unknown[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s: Socket = createConnection(path);
    const lines: unknown[] = [];
    let buf = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`timeout; got ${JSON.stringify(lines)}`)); }, 10_000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(payload));
    s.on('data', (c: string) => {
      buf += c;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
      if (lines.length >= n) { clearTimeout(t); s.destroy(); resolve({ lines, closed: false }); }
    });
    s.on('error', () => undefined);
    s.on('close', () => { clearTimeout(t); resolve({ lines, closed: true }); });
  });
}

test('status over the socket validates against docs/status.schema.json', async () => {
  const { path, server, cleanup } = setup();
  try {
    await server.start();
    assert.equal(statSync(path).mode & 0o777, 0o660, 'socket mode is 0660');
    const status = await callControl(path, 'status', {}, 5000);
    const schema = JSON.parse(readFileSync(join(REPO, 'docs/status.schema.json'), 'utf8')) as Schema;
    assert.deepEqual(validate(status, schema), []);
    // the validator is not vacuous
    const broken = { ...(status as object), pid: 'x', adapters: [{ name: 'a' }] };
    const errs = validate(broken, schema);
    assert.ok(errs.some((e) => e.includes('$.pid')), errs.join('\n'));
    assert.ok(errs.some((e) => e.includes('missing required state')), errs.join('\n'));
  } finally {
    await cleanup();
  }
});

test('human status names adapters, sinks, cursors, backlog and alarms', () => {
  const text = formatStatus(fakeStatus(), Date.now());
  for (const want of ['lora0', 'rn2483', 'running', '12s ago', 'never', 'reliable', 'connecting', '1200', '34 msg / 4.0 KiB', 'spool_full 2', 'backend unreachable', '1h02m', '2.5/s', 'lorawan: decoded 900, mic_failed 4']) {
    assert.ok(text.includes(want), `missing "${want}" in:\n${text}`);
  }
});

test('pair / devices / unpair round trip; the key is stored but never echoed', async () => {
  const ble = new FakeBle();
  const { path, server, cleanup } = setup({ status: fakeStatus, ble });
  try {
    await server.start();
    const key = '0123456789abcdef0123456789ABCDEF';
    const d = await callControl(path, 'pair', { mac: 'a4-c1-38-aa-bb-cc', name: 'kitchen', key }, 5000);
    assert.deepEqual(d, { mac: 'a4:c1:38:aa:bb:cc', name: 'kitchen', hasKey: true, pairedAt: '2026-01-01T00:00:00.000Z' });
    assert.equal(ble.keys.get('a4:c1:38:aa:bb:cc'), key.toLowerCase());
    const list = await callControl(path, 'devices', {}, 5000);
    assert.ok(!JSON.stringify(list).toLowerCase().includes(key.toLowerCase()));
    assert.equal((list as unknown[]).length, 1);
    assert.deepEqual(await callControl(path, 'unpair', { mac: 'a4c138aabbcc' }, 5000), { mac: 'a4:c1:38:aa:bb:cc', removed: true });
    assert.deepEqual(await callControl(path, 'unpair', { mac: 'a4c138aabbcc' }, 5000), { mac: 'a4:c1:38:aa:bb:cc', removed: false });
    await assert.rejects(callControl(path, 'pair', { mac: 'nope' }, 5000), /mac: invalid MAC "nope": expected 6 bytes as AA:BB:CC:DD:EE:FF/);
    const badKey = 'zz'.repeat(16);
    await assert.rejects(callControl(path, 'pair', { mac: 'A4:C1:38:AA:BB:CC', key: badKey }, 5000), (e: Error) => {
      assert.match(e.message, /32 hex digits/);
      assert.ok(!e.message.includes(badKey), 'bad key is not echoed');
      return true;
    });
    const near = (await callControl(path, 'scan', { seconds: 0 }, 5000)) as { rssi: number }[];
    assert.deepEqual(near.map((n) => n.rssi), [-50, -70], 'strongest first');
    await assert.rejects(callControl(path, 'scan', { seconds: 9999 }, 5000), /seconds/);
    assert.equal(((await callControl(path, 'ping', {}, 5000)) as { pong: boolean }).pong, true);
  } finally {
    await cleanup();
  }
});

test('BLE commands without a BLE side give a clear error', async () => {
  const { path, server, cleanup } = setup({ status: fakeStatus });
  try {
    await server.start();
    await assert.rejects(callControl(path, 'devices', {}, 5000), /BLE is not running/);
  } finally {
    await cleanup();
  }
});

test('bad input gets error lines, the server keeps serving', async () => {
  const { path, server, cleanup } = setup(undefined, { maxLineBytes: 1024 });
  try {
    await server.start();
    const r = await rawExchange(
      path,
      'not json\n[1,2]\n{"id":7}\n{"id":8,"cmd":"launch"}\n{"id":9,"cmd":"status","args":[1]}\n{"id":10,"cmd":"__proto__"}\n{"id":11,"cmd":"ping"}\n',
      7,
    );
    const errs = r.lines as { id?: number; ok: boolean; error?: string }[];
    assert.match(errs[0].error!, /not valid JSON/);
    assert.match(errs[1].error!, /JSON object/);
    assert.deepEqual([errs[2].id, errs[2].error], [7, 'request has no "cmd"']);
    assert.match(errs[3].error!, /unknown command "launch"/);
    assert.match(errs[4].error!, /"args" must be a JSON object/);
    assert.match(errs[5].error!, /unknown command/);
    assert.deepEqual([errs[6].id, errs[6].ok], [11, true]);

    const long = await rawExchange(path, 'x'.repeat(5000), 1);
    assert.match((long.lines[0] as { error: string }).error, /longer than 1024 bytes/);
    assert.equal(((await callControl(path, 'ping', {}, 5000)) as { pong: boolean }).pong, true);
  } finally {
    await cleanup();
  }
});

test('a handler that throws becomes an error response', async () => {
  const { path, server, cleanup } = setup({ status: () => { throw new Error('pipeline not started'); } });
  try {
    await server.start();
    await assert.rejects(callControl(path, 'status', {}, 5000), /status failed: pipeline not started/);
    assert.equal(((await callControl(path, 'ping', {}, 5000)) as { pong: boolean }).pong, true);
  } finally {
    await cleanup();
  }
});

test('stale socket file is replaced; a live one or a regular file is refused', async () => {
  const { dir, path, server, cleanup } = setup();
  try {
    // a stale socket: bind then leave the file behind by closing the handle without unlink
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'run'), { recursive: true });
    const other = createServer();
    await new Promise<void>((r) => other.listen(path, r));
    const second = new ControlServer(path, { status: fakeStatus }, logger);
    await assert.rejects(second.start(), /already answering/);
    await new Promise<void>((r) => other.close(() => r()));
    writeFileSync(path, 'not a socket');
    await assert.rejects(server.start(), /not a socket/);
    rmSync(path);
    // simulate a crash leftover: a socket file nobody listens on
    const { execFileSync } = await import('node:child_process');
    execFileSync('/usr/bin/python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`]);
    assert.ok(existsSync(path));
    await server.start();
    assert.equal(((await callControl(path, 'ping', {}, 5000)) as { pong: boolean }).pong, true);
    await server.stop();
    assert.equal(existsSync(path), false, 'stop removes the socket file');
  } finally {
    await cleanup();
  }
});

test('client errors say what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-cli-'));
  try {
    await assert.rejects(callControl(join(dir, 'missing.sock'), 'status', {}, 2000), (e: ControlCallError) => {
      assert.equal(e.kind, 'not-running');
      assert.match(e.message, /lowband is not running \(no control socket at .*missing\.sock\)/);
      return true;
    });
    // a server that never answers
    const muted: Socket[] = [];
    const mute = createServer((s) => muted.push(s));
    const p = join(dir, 'mute.sock');
    await new Promise<void>((r) => mute.listen(p, r));
    await assert.rejects(callControl(p, 'status', {}, 200), /no answer .* within 200 ms/);
    if (process.getuid?.() !== 0) {
      chmodSync(p, 0);
      await assert.rejects(callControl(p, 'status', {}, 2000), /lowband group/);
    }
    muted.forEach((s) => s.destroy());
    await new Promise<void>((r) => mute.close(() => r()));
    // config lookup
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, 'control:\n  socket: /tmp/x/ctl.sock\n');
    assert.equal(resolveControlSocket({ config: cfg }), '/tmp/x/ctl.sock');
    assert.equal(resolveControlSocket({ config: cfg, socket: '/s' }), '/s');
    writeFileSync(cfg, 'control:\n  sockett: 1\n');
    assert.throws(() => resolveControlSocket({ config: cfg }), { name: 'ConfigError' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
