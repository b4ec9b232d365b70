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
import { startCluster, type NatsServer } from '../helpers/nats-server';
import { LowbandProcess, until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';

// Issue 13 acceptance: a 3-node JetStream cluster on loopback (three nats-server processes with
// routes), the gateway creates a stream of 3 replicas; the node it is connected to is killed
// mid-stream. The gateway fails over to another node and nothing is lost or stored twice.

test('3-node cluster, stream of 3 replicas: kill the node the gateway uses mid-stream, nothing lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-cluster-'));
  let nodes: NatsServer[] = [];
  let gw: LowbandProcess | undefined;
  let fwd: FakeForwarder | undefined;
  t.after(async () => {
    fwd?.close();
    gw?.kill('SIGKILL');
    await gw?.exited;
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });
  nodes = await startCluster((i) => join(dir, `n${i}`));
  const urls = nodes.map((n) => n.url);
  const cfg = writeTestConfig(dir, {
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    upstream: {
      publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] },
      nats: { url: urls, replicas: 3, window: 50, ack_timeout_ms: 2000, reconnect_min_ms: 50, reconnect_max_ms: 500 },
    },
    spool: { fsync_ms: 20 },
  });
  gw = new LowbandProcess(['run', '--config', cfg.path]);
  await gw.waitForMsg('gateway started');
  const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
  const nats = async () => (await status()).sinks.find((k) => k.kind === 'nats')!;
  fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(), 'udp0')));
  // The cluster elects its JetStream leader after start: wait until the stream exists (R3).
  await until('stream ready on the cluster', async () => ((await nats()).streamReady ? true : undefined), 60_000, 100);

  const device = new AbpDevice('26011f0c', Buffer.alloc(16, 7), Buffer.alloc(16, 8));
  const sent = new Set<string>();
  let total = 0;
  const send = async (count: number) => {
    for (let i = 0; i < count; i += 10) {
      const batch = Array.from({ length: 10 }, () => device.uplink(Buffer.from(`c${total++}`)));
      for (const b of batch) sent.add(b.toString('hex'));
      await fwd!.push(batch);
      await new Promise((r) => setImmediate(r));
    }
  };

  await send(200);
  await until('some readings stored', async () => (BigInt((await nats()).cursor) > 50n ? true : undefined), 30_000, 50);
  // Kill the node the gateway talks to, while readings keep coming.
  const server = String((await nats()).server);
  const victim = nodes.find((n) => server.endsWith(`:${n.port}`));
  assert.ok(victim, `gateway connected to a cluster node (${server})`);
  await victim.stop('SIGKILL');
  await send(200);
  await until('everything stored after the failover', async () => {
    const n = await nats();
    return (n.backlog.messages === 0 && n.inFlight === 0 && n.state === 'connected') || undefined;
  }, 60_000, 100);
  const after = await nats();
  assert.notEqual(after.server, server, 'the gateway moved to another node');
  assert.ok((after.reconnects as number) >= 1);

  const survivors = nodes.filter((n) => n !== victim).map((n) => n.url);
  const stored = (await readStream(survivors, 'LOWBAND')).filter((m) => m.kind === 1);
  const raws = stored.map((m) => Buffer.from(m.body.raw as Buffer).toString('hex'));
  assert.deepEqual(new Set(raws), sent, 'every reading is in the replicated stream');
  assert.equal(stored.length, sent.size, 'none is stored twice');
});
