import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DiscardPolicy, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { AbpDevice } from '../../hardware/emulators/lorawan-device';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { readStream } from '../helpers/nats-consumer';
import { NatsServer } from '../helpers/nats-server';
import { cliArgs } from '../helpers/paths';
import { LowbandProcess, until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';

// Issue 13 acceptance: server-side refusals seen through `lowband run` and `lowband status`:
// a stream this user may not create, then a full stream, then wrong credentials. Each is a
// clear alarm and a counted cause; the readings wait in the spool and all arrive once fixed.

const USERS = `authorization { users = [
  { user: admin, password: "adm1n" },
  { user: gw, password: "gw-S3cret", permissions: { publish: { deny: ["$JS.API.STREAM.CREATE.>"] } } }
] }`;

async function setup(t: TestContext, password: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-err-'));
  const server = new NatsServer({ storeDir: join(dir, 'js'), config: USERS });
  let gw: LowbandProcess | undefined;
  let fwd: FakeForwarder | undefined;
  t.after(async () => {
    fwd?.close();
    gw?.kill('SIGKILL');
    await gw?.exited;
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  writeFileSync(join(dir, 'nats.pw'), `${password}\n`, { mode: 0o640 });
  const cfg = writeTestConfig(dir, {
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    upstream: {
      publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] },
      nats: { url: server.url, user: 'gw', password_file: join(dir, 'nats.pw'), window: 20, reconnect_min_ms: 50, reconnect_max_ms: 300 },
    },
    spool: { fsync_ms: 20 },
  });
  gw = new LowbandProcess(['run', '--config', cfg.path]);
  await gw.waitForMsg('gateway started');
  const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
  const nats = async () => (await status()).sinks.find((k) => k.kind === 'nats')!;
  fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(), 'udp0')));
  const device = new AbpDevice('26011f0e', Buffer.alloc(16, 9), Buffer.alloc(16, 10));
  const sent = new Set<string>();
  const send = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const up = device.uplink(Buffer.from(`e${sent.size}`.padEnd(40, '.')));
      sent.add(up.toString('hex'));
      await fwd!.push([up]);
    }
  };
  const humanStatus = () => spawnSync(process.execPath, cliArgs('status', '--config', cfg.path), { encoding: 'utf8', timeout: 20_000 });
  return { server, gw: gw!, status, nats, send, sent, humanStatus };
}

const errorsOf = (s: { [k: string]: unknown }) => (s.errors ?? {}) as Record<string, number>;

test('a stream that may not be created, then a full one: alarms, causes counted, the spool keeps every reading', async (t) => {
  const g = await setup(t, 'gw-S3cret');
  await g.send(60);
  await until('no_stream counted', async () => (errorsOf(await g.nats()).no_stream >= 1 ? true : undefined));
  let s = await g.status();
  assert.ok(s.alarms.some((a) => /^nats: stream LOWBAND does not exist and could not be created/.test(a)), JSON.stringify(s.alarms));
  const human = g.humanStatus();
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /ALARMS[\s\S]*! nats: stream LOWBAND does not exist/);
  await until('every reading accepted into the spool', async () => ((await g.nats()).backlog.messages >= 61 ? true : undefined));
  assert.equal((await g.nats()).cursor, '0');
  assert.equal(g.gw.logs.filter((l) => /does not exist and could not be created/.test(String(l.msg))).length, 1, 'one clear line');

  // The operator creates a stream that is too small and refuses new messages when full.
  const nc = await connect({ servers: g.server.url, user: 'admin', pass: 'adm1n' });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'LOWBAND', subjects: ['lowband.>'], storage: StorageType.File, max_bytes: 4096, discard: DiscardPolicy.New, duplicate_window: 120e9 });
  await until('storage_full counted', async () => (errorsOf(await g.nats()).storage_full >= 1 ? true : undefined), 20_000, 50);
  s = await g.status();
  assert.ok(s.alarms.some((a) => /^nats: stream LOWBAND is full: readings wait in the spool/.test(a)), JSON.stringify(s.alarms));
  const held = s.sinks.find((k) => k.kind === 'nats')!;
  assert.ok(held.backlog.messages > 0, 'the readings that did not fit wait in the spool');

  // Room made: everything arrives, exactly once.
  await jsm.streams.update('LOWBAND', { max_bytes: 16 * 1024 * 1024 });
  await until('drained', async () => {
    const n = await g.nats();
    return (n.backlog.messages === 0 && n.inFlight === 0) || undefined;
  }, 30_000, 100);
  const stored = (await readStream(g.server.url, 'LOWBAND', { user: 'admin', pass: 'adm1n' })).filter((m) => m.kind === 1);
  assert.deepEqual(new Set(stored.map((m) => Buffer.from(m.body.raw as Buffer).toString('hex'))), g.sent);
  assert.equal(stored.length, g.sent.size);
  assert.deepEqual((await g.status()).alarms.filter((a) => a.startsWith('nats:')), []);
});

test('wrong credentials: an alarm and a counted cause, readings kept, no password in any log line', async (t) => {
  const g = await setup(t, 'not-the-password');
  await g.send(10);
  await until('auth counted', async () => (errorsOf(await g.nats()).auth >= 1 ? true : undefined));
  const s = await g.status();
  assert.ok(s.alarms.some((a) => /^nats: the NATS server refuses our credentials \(user\)/.test(a)), JSON.stringify(s.alarms));
  await until('readings kept in the spool', async () => ((await g.nats()).backlog.messages >= 10 ? true : undefined));
  const all = JSON.stringify(g.gw.logs) + g.gw.stderr.join('\n') + JSON.stringify(s);
  assert.doesNotMatch(all, /not-the-password|gw-S3cret|adm1n/);
});
