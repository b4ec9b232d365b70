import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readStream } from '../helpers/nats-consumer';
import { NatsGateway, Uplinks } from '../helpers/nats-gateway';
import { NatsServer } from '../helpers/nats-server';

// Issue 13 acceptance: two `lowband run` gateways hear the same Semtech UDP datagrams (one
// concentrator's uplinks reach both); the JetStream stream ends up with one message per transmission.

const N = 300;

test('two gateways hearing the same uplinks: the stream holds exactly one message per transmission', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-fleet-'));
  const server = new NatsServer({ storeDir: join(dir, 'js') });
  const gateways: NatsGateway[] = [];
  t.after(async () => {
    for (const g of gateways) await g.stop();
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  for (const id of ['gw-a', 'gw-b']) {
    const g = new NatsGateway(join(dir, id), { url: server.url, window: 100 }, id);
    gateways.push(g);
    await g.start();
  }

  // Two devices, interleaved; every PUSH_DATA goes to both gateways.
  const devices = [new Uplinks('26011f01', 1), new Uplinks('26011f02', 3)];
  for (let i = 0; i < N; i += 10) {
    const batch = Array.from({ length: 10 }, (_, k) => devices[(i + k) % 2].next(1)[0]);
    for (const g of gateways) await g.push(batch);
  }
  for (const g of gateways) {
    await g.accepted(N);
    await g.drained();
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
  let resends = 0;
  for (const g of gateways) {
    const nats = await g.nats();
    assert.equal(nats.state, 'connected');
    dups += nats.duplicates as number;
    resends += nats.resends as number;
  }
  // (A resend whose ack overtook the lost ack of its own first copy also reads as a duplicate.)
  assert.ok(dups >= N && dups <= N + resends, `duplicates across the fleet (${dups}) = transmissions heard twice (${N})`);
});
