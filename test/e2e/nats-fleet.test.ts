import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AbpDevice } from '../../hardware/emulators/lorawan-device';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { readStream } from '../helpers/nats-consumer';
import { NatsServer } from '../helpers/nats-server';
import { LowbandProcess, until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';

// Issue 13 acceptance: two `lowband run` gateways hear the same Semtech UDP datagrams (one
// concentrator's uplinks reach both); the JetStream stream ends up with one message per transmission.

const N = 300;

test('two gateways hearing the same uplinks: the stream holds exactly one message per transmission', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-fleet-'));
  const server = new NatsServer({ storeDir: join(dir, 'js') });
  const gateways: { proc: LowbandProcess; control: string; fwd?: FakeForwarder }[] = [];
  t.after(async () => {
    for (const g of gateways) {
      g.fwd?.close();
      g.proc.kill('SIGKILL');
      await g.proc.exited;
    }
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();

  for (const id of ['gw-a', 'gw-b']) {
    const gdir = join(dir, id);
    mkdirSync(gdir);
    const cfg = writeTestConfig(gdir, {
      gateway: { id },
      udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
      upstream: { publish: { bind: [`ipc://${join(gdir, 'pub.sock')}`] }, nats: { url: server.url, window: 100, reconnect_max_ms: 500 } },
      spool: { fsync_ms: 20 },
    });
    const proc = new LowbandProcess(['run', '--config', cfg.path]);
    gateways.push({ proc, control: cfg.control });
    await proc.waitForMsg('gateway started');
  }
  const status = (g: { control: string }) => callControl(g.control, 'status', {}, 5000) as Promise<GatewayStatus>;
  for (const g of gateways) g.fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(g), 'udp0')));

  // Two devices, interleaved; every PUSH_DATA goes to both gateways.
  const devices = [new AbpDevice('26011f01', Buffer.alloc(16, 1), Buffer.alloc(16, 2)), new AbpDevice('26011f02', Buffer.alloc(16, 3), Buffer.alloc(16, 4))];
  for (let i = 0; i < N; i += 10) {
    const batch = Array.from({ length: 10 }, (_, k) => devices[(i + k) % 2].uplink(Buffer.from(`t${i + k}`)));
    for (const g of gateways) await g.fwd!.push(batch);
    await new Promise((r) => setImmediate(r));
  }
  for (const g of gateways) {
    await until('gateway drained into the stream', async () => {
      const s = await status(g);
      const nats = s.sinks.find((k) => k.kind === 'nats')!;
      return (s.readings.total >= N && nats.backlog.messages === 0 && nats.inFlight === 0) || undefined;
    }, 60_000, 100);
  }

  const stored = await readStream(server.url, 'LOWBAND');
  const readings = stored.filter((m) => m.kind === 1);
  assert.equal(readings.length, N, `one stored message per transmission (got ${readings.length})`);
  assert.equal(new Set(readings.map((m) => m.key)).size, N);
  for (const m of readings) {
    assert.match(m.subject, /^lowband\.gw-[ab]\.lora\.26011f0[12]$/);
    assert.equal(m.msgId, m.key);
    assert.equal(m.body.gw, m.subject.split('.')[1], 'the body names the gateway whose copy was kept');
    assert.equal(m.subject.split('.')[3], m.body.dev);
  }
  // Each gateway's own events are on <prefix>.<gw>.sys.<event>.
  for (const id of ['gw-a', 'gw-b']) assert.ok(stored.some((m) => m.subject === `lowband.${id}.sys.online` && m.kind === 2), `${id} online event`);

  // Whatever one gateway stored first, the other one's copy was acknowledged as a duplicate.
  let dups = 0;
  for (const g of gateways) {
    const nats = (await status(g)).sinks.find((k) => k.kind === 'nats')!;
    assert.equal(nats.state, 'connected');
    dups += nats.duplicates as number;
  }
  assert.equal(dups, N, 'duplicates across the fleet = transmissions heard twice');
});
