import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readStream } from '../helpers/nats-consumer';
import { NatsGateway, Uplinks } from '../helpers/nats-gateway';
import { freePort, NatsServer } from '../helpers/nats-server';
import { until } from '../helpers/processes';

// Issue 13 acceptance through real processes: the gateway is killed with -9 while it streams into
// JetStream and restarted; then the server is stopped for a while and restarted on the same store.
// Every accepted reading ends up in the stream exactly once (the duplicate window drops replays).

test('kill -9 of the gateway and a server outage: nothing accepted is lost, nothing stored twice', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-outage-'));
  // A port fixed for the test, so the server comes back where the gateway looks for it.
  const server = new NatsServer({ storeDir: join(dir, 'js'), port: await freePort() });
  const gw = new NatsGateway(dir, { url: server.url, window: 50, ack_timeout_ms: 1000 });
  t.after(async () => {
    await gw.stop();
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  const uplinks = new Uplinks('26011f0a', 5);

  await gw.start();
  // 1. Streaming; kill -9 while part of it is still in flight or in the spool.
  await gw.push(uplinks.next(200));
  await gw.accepted(200);
  await until('spool flushed', async () => {
    const s = await gw.status();
    return BigInt(String(s.spool?.lastSeq ?? '0')) >= BigInt(s.seq) || undefined;
  });
  await gw.stop('SIGKILL');

  // 2. Restart: the backlog is replayed (same Nats-Msg-Id), then new readings follow.
  await gw.start();
  await gw.push(uplinks.next(100));
  await gw.accepted(100);
  const afterRestart = await gw.nats();
  t.diagnostic(`after kill -9: replayed ${afterRestart.replayed}, duplicates ${afterRestart.duplicates}`);

  // 3. The server goes away for a stretch; the gateway keeps accepting into its spool.
  await server.stop('SIGTERM');
  await until('the sink sees the server gone', async () => ((await gw.nats()).state !== 'connected' ? true : undefined));
  await gw.push(uplinks.next(200));
  await gw.accepted(300);
  assert.ok((await gw.nats()).backlog.messages >= 200, 'readings wait in the spool while the server is down');
  await server.start();
  await gw.drained();

  const stored = (await readStream(server.url, 'LOWBAND')).filter((m) => m.kind === 1);
  const raws = stored.map((m) => Buffer.from(m.body.raw as Buffer).toString('hex'));
  assert.deepEqual(new Set(raws), uplinks.sent, 'every accepted reading is in the stream');
  assert.equal(stored.length, uplinks.sent.size, 'none is stored twice');
  assert.ok(((await gw.nats()).reconnects as number) >= 1);
});
