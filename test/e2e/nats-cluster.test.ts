import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readStream } from '../helpers/nats-consumer';
import { NatsGateway, Uplinks } from '../helpers/nats-gateway';
import { startCluster, type NatsServer } from '../helpers/nats-server';
import { until } from '../helpers/processes';

// Issue 13 acceptance: a 3-node JetStream cluster on loopback (three nats-server processes with
// routes), the gateway creates a stream of 3 replicas; the node it is connected to is killed
// mid-stream. The gateway fails over to another node and nothing is lost or stored twice.

test('3-node cluster, stream of 3 replicas: kill the node the gateway uses mid-stream, nothing lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-cluster-'));
  let nodes: NatsServer[] = [];
  let gw: NatsGateway | undefined;
  t.after(async () => {
    await gw?.stop();
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });
  nodes = await startCluster((i) => join(dir, `n${i}`));
  gw = new NatsGateway(join(dir, 'gw'), { url: nodes.map((n) => n.url), replicas: 3, window: 50, ack_timeout_ms: 2000 });
  await gw.start();
  // The cluster elects its JetStream leader after start: wait until the stream exists (R3).
  await until('stream ready on the cluster', async () => ((await gw!.nats()).streamReady ? true : undefined), 60_000, 100);
  const uplinks = new Uplinks('26011f0c', 7);

  await gw.push(uplinks.next(200));
  await until('some readings stored', async () => (BigInt((await gw!.nats()).cursor) > 50n ? true : undefined), 30_000, 50);
  // Kill the node the gateway talks to, while readings keep coming.
  const server = String((await gw.nats()).server);
  const victim = nodes.find((n) => server.endsWith(`:${n.port}`));
  assert.ok(victim, `gateway connected to a cluster node (${server})`);
  await victim.stop('SIGKILL');
  await gw.push(uplinks.next(200));
  await gw.drained();
  const after = await gw.nats();
  assert.notEqual(after.server, server, 'the gateway moved to another node');
  assert.ok((after.reconnects as number) >= 1);

  const survivors = nodes.filter((n) => n !== victim).map((n) => n.url);
  const stored = (await readStream(survivors, 'LOWBAND')).filter((m) => m.kind === 1);
  const raws = stored.map((m) => Buffer.from(m.body.raw as Buffer).toString('hex'));
  assert.deepEqual(new Set(raws), uplinks.sent, 'every reading is in the replicated stream');
  assert.equal(stored.length, uplinks.sent.size, 'none is stored twice');
});
