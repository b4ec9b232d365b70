import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DiscardPolicy, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readStream } from '../helpers/nats-consumer';
import { NatsGateway, Uplinks } from '../helpers/nats-gateway';
import { freePort, NatsServer } from '../helpers/nats-server';
import { cliArgs } from '../helpers/paths';
import { until } from '../helpers/processes';

// Issue 13 acceptance: server-side refusals seen through `lowband run` and `lowband status`:
// a stream this user may not create, then a full stream, then wrong credentials. Each is a
// clear alarm and a counted cause; the readings wait in the spool and all arrive once fixed.

const USERS = `authorization { users = [
  { user: admin, password: "adm1n" },
  { user: gw, password: "gw-S3cret", permissions: { publish: { deny: ["$JS.API.STREAM.CREATE.>"] } } }
] }`;

async function setup(t: TestContext, password: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-err-'));
  const server = new NatsServer({ storeDir: join(dir, 'js'), config: USERS, port: await freePort() });
  const gw = new NatsGateway(dir, { url: server.url, user: 'gw', password_file: join(dir, 'nats.pw'), window: 20, reconnect_max_ms: 300 });
  t.after(async () => {
    await gw.stop();
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  writeFileSync(join(dir, 'nats.pw'), `${password}\n`, { mode: 0o640 });
  return { server, gw, dir };
}

test('a stream that may not be created, then a full one: alarms, causes counted, the spool keeps every reading', async (t) => {
  const { server, gw } = await setup(t, 'gw-S3cret');
  const uplinks = new Uplinks('26011f0e', 9);
  await gw.start();
  await gw.push(uplinks.next(60, 40), 1);
  await until('no_stream counted', async () => ((await gw.errors()).no_stream >= 1 ? true : undefined));
  let s = await gw.status();
  assert.ok(s.alarms.some((a) => /^nats: stream LOWBAND does not exist and could not be created/.test(a)), JSON.stringify(s.alarms));
  const human = spawnSync(process.execPath, cliArgs('status', '--config', gw.cfg.path), { encoding: 'utf8', timeout: 20_000 });
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /ALARMS[\s\S]*! nats: stream LOWBAND does not exist/);
  await until('every reading accepted into the spool', async () => ((await gw.nats()).backlog.messages >= 61 ? true : undefined));
  assert.equal((await gw.nats()).cursor, '0');
  assert.equal(gw.proc!.logs.filter((l) => /does not exist and could not be created/.test(String(l.msg))).length, 1, 'one clear line');

  // The operator creates a stream that is too small and refuses new messages when full.
  const nc = await connect({ servers: server.url, user: 'admin', pass: 'adm1n' });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'LOWBAND', subjects: ['lowband.>'], storage: StorageType.File, max_bytes: 4096, discard: DiscardPolicy.New, duplicate_window: 120e9 });
  await until('storage_full counted', async () => ((await gw.errors()).storage_full >= 1 ? true : undefined), 20_000, 50);
  s = await gw.status();
  assert.ok(s.alarms.some((a) => /^nats: stream LOWBAND is full: readings wait in the spool/.test(a)), JSON.stringify(s.alarms));
  assert.ok((await gw.nats()).backlog.messages > 0, 'the readings that did not fit wait in the spool');

  // Room made: everything arrives, exactly once.
  await jsm.streams.update('LOWBAND', { max_bytes: 16 * 1024 * 1024 });
  await gw.drained(30_000);
  const stored = (await readStream(server.url, 'LOWBAND', { user: 'admin', pass: 'adm1n' })).filter((m) => m.kind === 1);
  assert.deepEqual(new Set(stored.map((m) => Buffer.from(m.body.raw as Buffer).toString('hex'))), uplinks.sent);
  assert.equal(stored.length, uplinks.sent.size);
  assert.deepEqual((await gw.status()).alarms.filter((a) => a.startsWith('nats:')), []);
});

test('wrong credentials: an alarm and a counted cause, readings kept, no password in any log line', async (t) => {
  const { gw } = await setup(t, 'not-the-password');
  await gw.start();
  await gw.push(new Uplinks('26011f0f', 11).next(10), 1);
  await until('auth counted', async () => ((await gw.errors()).auth >= 1 ? true : undefined));
  const s = await gw.status();
  assert.ok(s.alarms.some((a) => /^nats: the NATS server refuses our credentials \(user\)/.test(a)), JSON.stringify(s.alarms));
  await until('readings kept in the spool', async () => ((await gw.nats()).backlog.messages >= 10 ? true : undefined));
  const all = JSON.stringify(gw.proc!.logs) + gw.proc!.stderr.join('\n') + JSON.stringify(s);
  assert.doesNotMatch(all, /not-the-password|gw-S3cret|adm1n/);
});
