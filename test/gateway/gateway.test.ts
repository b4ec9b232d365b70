import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Subscriber } from 'zeromq';
import { Gateway, SERVICES } from '../../src/gateway';
import type { Reading } from '../../src/core/reading';
import { decodeFrames } from '../../src/wire/message';
import { V } from '../radios/lora/lorawan/frames';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';
import { until } from '../helpers/processes';
import { quiet, tempConfig } from './helpers';

test('in process: a concentrator frame goes stage → pipeline → XPUB; a second copy is a counted duplicate; stop is clean', { timeout: 30_000 }, async (t) => {
  const c = tempConfig({
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    lorawan: { devices: [{ devaddr: '49be7df1', nwkskey: V.nwkskey.toString('hex'), appskey: V.appskey.toString('hex'), codec: 'raw' }] },
  });
  // A service with a tap (what a live web page uses) sees each accepted reading with its seq.
  const tapped: { device: string; seq: bigint }[] = [];
  const row = {
    name: 'tap',
    enabled: () => true,
    build: () => ({ name: 'tap', start: async () => undefined, stop: async () => undefined, tap: (r: Reading, seq: bigint) => void tapped.push({ device: r.device, seq }) }),
  };
  SERVICES.push(row);
  t.after(() => void SERVICES.splice(SERVICES.indexOf(row), 1));
  const gw = new Gateway(c.cfg, quiet);
  const sub = new Subscriber({ linger: 0, receiveTimeout: 10_000 });
  let fwd: FakeForwarder | undefined;
  t.after(async () => {
    fwd?.close();
    sub.close();
    await gw.stop().catch(() => undefined);
    c.done();
  });
  await gw.start();
  sub.connect(c.endpoint);
  sub.subscribe('');
  // sys/online was logged before any subscriber: the memory log replays it to nobody (lossy
  // sink), so wait for the subscription to be live, then send.
  await until('the subscription', () => (gw.status().sinks[0].subscriptions as number) >= 1);
  const port = udpPortFromStatus(gw.status(), 'udp0');
  assert.ok(port);
  fwd = new FakeForwarder(port);
  const phy = Buffer.from(V.frames[0].phy, 'hex');
  await fwd.push([phy, phy]);
  let m;
  do m = decodeFrames(await sub.receive());
  while (!m.topic.startsWith('lora/'));
  assert.equal(m.topic, 'lora/49be7df1');
  assert.equal(m.body.src, 'udp0');
  assert.equal(m.flags & 0b010, 0b010, 'authenticated by the stage');
  const st = await until('the duplicate to be counted', () => {
    const s = gw.status();
    return s.drops.duplicate === 1 ? s : undefined;
  });
  assert.equal(st.readings.total, 1);
  assert.equal(st.decoders?.lorawan.authenticated, 1, 'the copy never reached the decoder');
  assert.deepEqual(st.alarms, []);
  assert.equal(st.adapters[0].name, 'udp0');
  assert.deepEqual(tapped, [{ device: '49be7df1', seq: m.seq }], 'the tap saw the one accepted reading, not the duplicate');
  assert.equal(st.control?.maxConnections, 16, "a service's own figures are in the status document under its name");
  await gw.stop();
  assert.equal(gw.status().sinks[0].state, 'stopped');
});

test('taps see a datagram of readings together, each already in the spool file (write-ahead holds beside the cursors too)', { timeout: 30_000 }, async (t) => {
  const c = tempConfig({
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    // A durable sink puts a spool under the pipeline; its backend never answers.
    upstream: { publish: { bind: [] }, reliable: { connect: 'ipc:///nonexistent/lowband-test-backend.sock' } },
    spool: { fsync_ms: 60_000 },
    lorawan: { devices: [{ devaddr: '49be7df1', nwkskey: V.nwkskey.toString('hex'), appskey: V.appskey.toString('hex'), codec: 'raw' }] },
  });
  const seen: bigint[] = [];
  const spoolBytes = () => readdirSync(join(c.cfg.state_dir, 'spool')).filter((n) => n.endsWith('.seg')).reduce((n, f) => n + readFileSync(join(c.cfg.state_dir, 'spool', f)).length, 0);
  let bytesAtTap: number[] = [];
  const row = {
    name: 'tap',
    enabled: () => true,
    build: () => ({
      name: 'tap',
      start: async () => undefined,
      stop: async () => undefined,
      tap: (_r: Reading, seq: bigint) => {
        bytesAtTap.push(spoolBytes());
        seen.push(seq);
      },
    }),
  };
  SERVICES.push(row);
  t.after(() => void SERVICES.splice(SERVICES.indexOf(row), 1));
  const gw = new Gateway(c.cfg, quiet);
  let fwd: FakeForwarder | undefined;
  t.after(async () => {
    fwd?.close();
    await gw.stop().catch(() => undefined);
    c.done();
  });
  await gw.start();
  const before = spoolBytes();
  fwd = new FakeForwarder(udpPortFromStatus(gw.status(), 'udp0')!);
  // Two different frames in one datagram: one burst for the taps.
  await fwd.push([Buffer.from(V.frames[0].phy, 'hex'), Buffer.from(V.frames[1].phy, 'hex')]);
  await until('both readings tapped', () => seen.length === 2);
  assert.ok(bytesAtTap.every((b) => b > before), `the spool file had grown when the taps ran (${before} -> ${bytesAtTap.join(', ')})`);
  assert.equal(bytesAtTap[0], bytesAtTap[1], 'one spool write for the whole burst, before its taps');
  bytesAtTap = [];
});
