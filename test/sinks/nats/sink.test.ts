import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jetstreamManager, DiscardPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MemoryLog } from '../../../src/pipeline/memory-log';
import { NatsSink } from '../../../src/sinks/nats';
import { Flag } from '../../../src/wire/message';
import { readStream } from '../../helpers/nats-consumer';
import { until } from '../../helpers/processes';
import { captureLogger, message, OPEN_LIMITS } from '../../spool/helpers';
import { natsConfig, serverFor } from './helpers';
import { SilentNatsServer } from './silent-server';

/** A sink on a fresh memory log; stopped after the test. */
function sinkOn(t: { after: (fn: () => Promise<void>) => void }, cfg: ReturnType<typeof natsConfig>, gw: string, stallAlarmMs?: number) {
  const log = new MemoryLog();
  const cursor = log.openCursor('nats', OPEN_LIMITS);
  const { logger, lines } = captureLogger();
  const sink = new NatsSink(cfg, gw, logger, stallAlarmMs);
  t.after(async () => {
    await sink.stop(0);
    await log.close();
  });
  return { log, cursor, sink, lines };
}

const append = (log: MemoryLog, from: number, to: number) => {
  for (let s = from; s <= to; s++) log.append(message(BigInt(s)));
};

test('each entry is stored once on <prefix>.<gw>.<radio>.<dev> with the key as Nats-Msg-Id; a second gateway gets duplicate acks', async (t) => {
  const { server } = await serverFor(t);
  const a = sinkOn(t, natsConfig(server.url, { window: 64 }), 'gw-a');
  await a.sink.start(a.cursor);
  append(a.log, 1, 400);
  await until('gw-a committed 400', () => a.cursor.committed === 400n, 20_000);
  assert.ok(a.sink.status().inFlight === 0);

  const nc = await connect({ servers: server.url });
  t.after(() => nc.close());
  const info = await (await jetstreamManager(nc)).streams.info('LOWBAND');
  assert.deepEqual(info.config.subjects, ['lowband.>']);
  assert.equal(info.config.storage, StorageType.File);
  assert.equal(info.config.duplicate_window, 120 * 1e9);

  const stored = await readStream(server.url, 'LOWBAND');
  assert.equal(stored.length, 400);
  for (const [i, m] of stored.entries()) {
    const seq = BigInt(i + 1);
    assert.equal(m.subject, 'lowband.gw-a.ble.a4c138d5d498');
    assert.equal(m.seq, seq);
    assert.equal(m.version, 1);
    assert.equal(m.msgId, m.key, 'Nats-Msg-Id is the key');
    assert.match(m.msgId, /^[0-9a-f]{32}$/);
    assert.equal(m.flags & Flag.redelivery, 0);
    assert.equal(m.body.dev, 'a4c138d5d498');
  }

  // Another gateway heard the same transmissions (same keys): the stream keeps the first copy.
  const b = sinkOn(t, natsConfig(server.url, { window: 64 }), 'gw-b');
  await b.sink.start(b.cursor);
  append(b.log, 1, 400);
  await until('gw-b committed 400', () => b.cursor.committed === 400n, 20_000);
  const st = b.sink.status();
  assert.equal(st.duplicates, 400, 'every copy acknowledged as a duplicate, and shown');
  assert.equal(st.state, 'connected');
  assert.equal((await readStream(server.url, 'LOWBAND')).length, 400);
});

test('the server stops and restarts on the same store: nothing lost, nothing stored twice, resends flagged', async (t) => {
  const { server } = await serverFor(t);
  const s = sinkOn(t, natsConfig(server.url, { window: 50, ack_timeout_ms: 1000 }), 'gw-a');
  await s.sink.start(s.cursor);
  append(s.log, 1, 300);
  await until('some committed', () => s.cursor.committed >= 50n);
  await server.stop('SIGKILL');
  append(s.log, 301, 600);
  await until('the sink sees the server gone', () => s.sink.status().state !== 'connected');
  assert.ok(s.cursor.committed < 600n);
  await server.start();
  await until('all 600 committed after the restart', () => s.cursor.committed === 600n, 30_000);
  const stored = await readStream(server.url, 'LOWBAND');
  const keys = new Set(stored.map((m) => m.key));
  assert.equal(keys.size, 600, 'every entry stored');
  assert.equal(stored.length, 600, 'none stored twice');
  const st = s.sink.status();
  assert.ok((st.reconnects as number) >= 1, 'reconnected');
  // A resend carries the redelivery flag: at most as many stored copies are flagged as were resent.
  assert.ok(stored.filter((m) => (m.flags & Flag.redelivery) !== 0).length <= (st.resends as number));
});

test('wrong credentials: counted as auth, alarm, nothing committed, the password never logged', async (t) => {
  const { server, dir } = await serverFor(t, { config: 'authorization { users = [ { user: gw, password: "R1ght-Pw" } ] }' });
  const pw = join(dir, 'pw');
  writeFileSync(pw, 'Wr0ng-Pw\n');
  const s = sinkOn(t, natsConfig(server.url, { user: 'gw', password_file: pw }), 'gw-a');
  await s.sink.start(s.cursor);
  append(s.log, 1, 20);
  await until('auth failure counted', () => ((s.sink.status().errors as Record<string, number>).auth ?? 0) >= 1);
  const st = s.sink.status();
  assert.equal(st.state, 'auth-failed');
  assert.match(String(st.alarm), /refuses our credentials/);
  assert.equal(s.cursor.committed, 0n);
  assert.equal(s.cursor.backlog().messages, 20, 'nothing lost');
  assert.doesNotMatch(JSON.stringify(s.lines), /Wr0ng-Pw|R1ght-Pw/);
  // The right password: everything goes through.
  writeFileSync(pw, 'R1ght-Pw\n');
  const ok = sinkOn(t, natsConfig(server.url, { user: 'gw', password_file: pw }), 'gw-a');
  await ok.sink.start(ok.cursor);
  append(ok.log, 1, 20);
  await until('delivered with the right password', () => ok.cursor.committed === 20n);
});

test('a missing stream this user may not create: a clear error, counted, nothing committed; delivered once it exists', async (t) => {
  const { server, dir } = await serverFor(t, {
    config: `authorization { users = [
      { user: admin, password: a },
      { user: gw, password: g, permissions: { publish: { deny: ["$JS.API.STREAM.CREATE.>"] } } }
    ] }`,
  });
  writeFileSync(join(dir, 'gw.pw'), 'g');
  const gw = sinkOn(t, natsConfig(server.url, { user: 'gw', password_file: join(dir, 'gw.pw') }), 'gw-a');
  await gw.sink.start(gw.cursor);
  append(gw.log, 1, 50);
  await until('no_stream counted', () => ((gw.sink.status().errors as Record<string, number>).no_stream ?? 0) >= 1);
  const st = gw.sink.status();
  assert.match(String(st.alarm), /stream LOWBAND does not exist and could not be created/);
  assert.equal(gw.cursor.committed, 0n);
  assert.equal(gw.lines.filter((l) => /does not exist/.test(String(l.msg))).length, 1, 'one clear log line, not one per retry');

  const nc = await connect({ servers: server.url, user: 'admin', pass: 'a' });
  t.after(() => nc.close());
  await (await jetstreamManager(nc)).streams.add({ name: 'LOWBAND', subjects: ['lowband.>'], storage: StorageType.File });
  await until('delivered once the stream exists', () => gw.cursor.committed === 50n, 20_000);
  assert.equal(gw.sink.status().alarm, undefined);
});

test('a stream with unusable subjects: one log line and an alarm instead of publishing; fixed, it flows', async (t) => {
  const { server } = await serverFor(t);
  const nc = await connect({ servers: server.url });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'LOWBAND', subjects: ['elsewhere.>'], storage: StorageType.File });
  const s = sinkOn(t, natsConfig(server.url), 'gw-a');
  await s.sink.start(s.cursor);
  append(s.log, 1, 30);
  await until('stream_unusable counted', () => ((s.sink.status().errors as Record<string, number>).stream_unusable ?? 0) >= 1);
  assert.match(String(s.sink.status().alarm), /takes subjects \[elsewhere\.>\], which do not cover lowband\.gw-a\.>/);
  assert.equal(s.sink.status().published, 0, 'nothing published into a stream that does not take it');
  await jsm.streams.update('LOWBAND', { subjects: ['elsewhere.>', 'lowband.*.>'] });
  await until('delivered after the fix', () => s.cursor.committed === 30n, 20_000);
});

test('a full stream (max_bytes, discard new): storage_full counted, alarm, nothing committed past it; room made, every entry stored once', async (t) => {
  const { server } = await serverFor(t);
  const nc = await connect({ servers: server.url });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: 'LOWBAND', subjects: ['lowband.>'], storage: StorageType.File, max_bytes: 8 * 1024, discard: DiscardPolicy.New, duplicate_window: 120e9,
  });
  const s = sinkOn(t, natsConfig(server.url, { window: 20 }), 'gw-a');
  await s.sink.start(s.cursor);
  append(s.log, 1, 200);
  await until('storage_full counted', () => ((s.sink.status().errors as Record<string, number>).storage_full ?? 0) >= 1);
  const full = s.sink.status();
  assert.match(String(full.alarm), /stream LOWBAND is full/, JSON.stringify(full));
  const committed = s.cursor.committed;
  assert.ok(committed < 200n, `committed ${committed}`);
  assert.equal(s.cursor.backlog().messages, 200 - Number(committed), `the rest waits in the log: ${JSON.stringify(full)}`);
  await jsm.streams.update('LOWBAND', { max_bytes: 16 * 1024 * 1024 });
  await until('all delivered after room was made', () => s.cursor.committed === 200n, 30_000);
  const stored = await readStream(server.url, 'LOWBAND');
  assert.equal(stored.length, 200);
  assert.equal(new Set(stored.map((m) => m.key)).size, 200);
  assert.equal(s.sink.status().alarm, undefined, JSON.stringify(s.sink.status()));
});

test('a server that never acknowledges: the window and the outstanding requests stay bounded, nothing committed', async (t) => {
  const silent = new SilentNatsServer();
  await silent.start();
  t.after(() => silent.stop());
  const s = sinkOn(t, natsConfig(silent.url, { window: 20, ack_timeout_ms: 100 }), 'gw-a', 500);
  await s.sink.start(s.cursor);
  append(s.log, 1, 2000);
  let peak = 0;
  await until('many resends after ack timeouts', () => {
    const st = s.sink.status();
    peak = Math.max(peak, st.outstanding as number);
    assert.ok(st.inFlight <= 20, `in flight ${st.inFlight}`);
    return silent.publishes >= 200;
  }, 30_000, 5);
  const st = s.sink.status();
  assert.ok(peak <= 40, `outstanding requests peaked at ${peak}`);
  assert.ok((st.errors as Record<string, number>).timeout >= 100, JSON.stringify(st.errors));
  assert.equal(s.cursor.committed, 0n);
  assert.equal(s.cursor.backlog().messages, 2000, 'everything still waits in the log');
  // The first copy goes out plain, every later one with the redelivery flag, always the same id.
  let resent = 0;
  for (const [id, copies] of silent.flags) {
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(copies[0] & Flag.redelivery, 0, `first send of ${id} not flagged`);
    for (const f of copies.slice(1)) assert.equal(f & Flag.redelivery, Flag.redelivery, `resend of ${id} flagged`);
    resent += copies.length - 1;
  }
  assert.ok(resent > 0, 'entries were sent again');
  // Readings stuck without any ack: an alarm says so.
  await until('stall alarm', () => /^no ack from stream LOWBAND for \d+ s \(connected\): readings wait in the spool$/.test(String(s.sink.status().alarm)));
});

test('the permissions docs/fleet.md lists for a gateway user are enough', async (t) => {
  const { server, dir } = await serverFor(t, {
    config: `authorization { users = [ { user: pi-north, password: p, permissions: {
      publish: [ "lowband.pi-north.>", "$JS.API.STREAM.INFO.LOWBAND", "$JS.API.STREAM.CREATE.LOWBAND" ],
      subscribe: [ "_INBOX.>" ] } } ] }`,
  });
  writeFileSync(join(dir, 'pw'), 'p');
  const s = sinkOn(t, natsConfig(server.url, { user: 'pi-north', password_file: join(dir, 'pw') }), 'pi-north');
  await s.sink.start(s.cursor);
  append(s.log, 1, 50);
  await until('delivered with the documented permissions', () => s.cursor.committed === 50n);
  assert.deepEqual(s.sink.status().errors, {});
});

test('a wall clock stepped back during a refusal pause (NTP on a Pi without RTC) does not stall the sink', async (t) => {
  const { server } = await serverFor(t);
  const nc = await connect({ servers: server.url });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'LOWBAND', subjects: ['lowband.>'], storage: StorageType.File, max_bytes: 4096, discard: DiscardPolicy.New, duplicate_window: 120e9 });
  const s = sinkOn(t, natsConfig(server.url, { window: 10 }), 'gw-a');
  await s.sink.start(s.cursor);
  append(s.log, 1, 100);
  await until('storage_full counted', () => ((s.sink.status().errors as Record<string, number>).storage_full ?? 0) >= 1);
  const realNow = Date.now;
  Date.now = () => realNow() - 10_000;
  t.after(() => {
    Date.now = realNow;
  });
  await jsm.streams.update('LOWBAND', { max_bytes: 16 * 1024 * 1024 });
  await until('all delivered although the clock went back', () => s.cursor.committed === 100n, 15_000);
});

test('a stream that exists but does not answer (a cluster electing its leader): the window is resent after a growing pause, not every round trip', async (t) => {
  const silent = new SilentNatsServer(true);
  await silent.start();
  t.after(() => silent.stop());
  // reconnect_min_ms 100: the first three pauses last at least 50, 100 and 200 ms (jitter takes
  // each from the upper half of its doubling step).
  const s = sinkOn(t, natsConfig(silent.url, { window: 16, reconnect_min_ms: 100, reconnect_max_ms: 5000 }), 'gw-a');
  await s.sink.start(s.cursor);
  append(s.log, 1, 16);
  const fourth = await until('a reading sent four times', () => [...silent.arrivals.values()].find((a) => a.length >= 4), 20_000, 5);
  // Nothing is sent during a pause, and each copy is sent again only after a pause that began
  // once it had gone out, so three pauses lie between a reading's first and fourth copy: at least
  // 350 ms. (The bound asserted leaves 50 ms for timers that count from the event loop's cached
  // time and for a copy still on its way to the server when a pause began.) Before the fix the
  // stream check answered at once and the window went out again after every round trip: four
  // copies within 11 ms here, some 8,000 publishes a second from 16 readings.
  const spanMs = fourth[3] - fourth[0];
  assert.ok(spanMs >= 300, `first to fourth copy in ${spanMs.toFixed(0)} ms`);
  const st = s.sink.status();
  assert.ok((st.errors as Record<string, number>).no_stream >= 3, JSON.stringify(st.errors));
  assert.equal(s.cursor.committed, 0n);
  assert.equal(s.cursor.backlog().messages, 16, 'everything still waits in the log');
});
