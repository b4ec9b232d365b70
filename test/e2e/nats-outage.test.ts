import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AbpDevice } from '../../hardware/emulators/lorawan-device';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { readStream } from '../helpers/nats-consumer';
import { freePort, NatsServer } from '../helpers/nats-server';
import { LowbandProcess, until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';

// Issue 13 acceptance through real processes: the gateway is killed with -9 while it streams into
// JetStream and restarted; then the server is stopped for a while and restarted on the same store.
// Every accepted reading ends up in the stream exactly once (the duplicate window drops replays).

test('kill -9 of the gateway and a server outage: nothing accepted is lost, nothing stored twice', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-outage-'));
  // A port fixed for the test, so the server comes back where the gateway looks for it.
  const server = new NatsServer({ storeDir: join(dir, 'js'), port: await freePort() });
  const cfg = writeTestConfig(dir, {
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    upstream: {
      publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] },
      nats: { url: server.url, window: 50, ack_timeout_ms: 1000, reconnect_min_ms: 50, reconnect_max_ms: 500 },
    },
    spool: { fsync_ms: 20 },
  });
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
  const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
  const nats = async () => (await status()).sinks.find((k) => k.kind === 'nats')!;
  const startGateway = async () => {
    gw = new LowbandProcess(['run', '--config', cfg.path]);
    await gw.waitForMsg('gateway started');
    fwd?.close();
    fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(), 'udp0')));
  };
  const device = new AbpDevice('26011f0a', Buffer.alloc(16, 5), Buffer.alloc(16, 6));
  const sent = new Set<string>();
  let total = 0;
  const send = async (count: number) => {
    for (let i = 0; i < count; i += 10) {
      const batch = Array.from({ length: 10 }, () => device.uplink(Buffer.from(`r${total++}`)));
      for (const b of batch) sent.add(b.toString('hex'));
      await fwd!.push(batch);
      await new Promise((r) => setImmediate(r));
    }
  };
  const accepted = (n: number) => until(`gateway to accept ${n}`, async () => ((await status()).readings.total >= n ? true : undefined), 20_000, 50);

  await startGateway();
  // 1. Streaming; kill -9 while part of it is still in flight or in the spool.
  await send(200);
  await accepted(200);
  await until('spool flushed', async () => {
    const s = await status();
    return BigInt(String(s.spool?.lastSeq ?? '0')) >= BigInt(s.seq) || undefined;
  });
  gw!.kill('SIGKILL');
  await gw!.exited;

  // 2. Restart: the backlog is replayed (same Nats-Msg-Id), then new readings follow.
  await startGateway();
  await send(100);
  await accepted(100);
  const afterRestart = await nats();
  t.diagnostic(`after kill -9: replayed ${afterRestart.replayed}, duplicates ${afterRestart.duplicates}`);

  // 3. The server goes away for a stretch; the gateway keeps accepting into its spool.
  await server.stop('SIGTERM');
  await until('the sink sees the server gone', async () => ((await nats()).state !== 'connected' ? true : undefined));
  await send(200);
  await accepted(300);
  assert.ok((await nats()).backlog.messages >= 200, 'readings wait in the spool while the server is down');
  await server.start();

  await until('everything in the stream', async () => {
    const n = await nats();
    return (n.backlog.messages === 0 && n.inFlight === 0 && n.state === 'connected') || undefined;
  }, 60_000, 100);

  const stored = (await readStream(server.url, 'LOWBAND')).filter((m) => m.kind === 1);
  const raws = stored.map((m) => Buffer.from(m.body.raw as Buffer).toString('hex'));
  assert.deepEqual(new Set(raws), sent, 'every accepted reading is in the stream');
  assert.equal(stored.length, sent.size, 'none is stored twice');
  assert.ok(((await nats()).reconnects as number) >= 1);
});
