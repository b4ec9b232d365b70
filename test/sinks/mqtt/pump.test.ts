// The publish pump on its own, against a fake link: no broker and no socket, only the seam
// the sink assembles (cursor → PUBLISH → PUBACK → commit; session up/down from the connection).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { DiscoveryAnnouncer } from '../../../src/sinks/mqtt/announcer';
import { DEFAULT_TUNING } from '../../../src/sinks/mqtt/options';
import { PublishPump, type PacketLink } from '../../../src/sinks/mqtt/pump';
import { createLogger, RateLimitedLog } from '../../../src/util/log';
import { until } from '../../helpers/processes';
import { memoryLog, reading } from './fixtures';

class FakeLink implements PacketLink {
  up = false;
  readonly sent: IPublishPacket[] = [];
  send(p: Packet): void {
    if (p.cmd === 'publish') this.sent.push(p);
  }
  batch(): void {}
}

function pumpWith(window: number, announcer?: DiscoveryAnnouncer) {
  const link = new FakeLink();
  const logger = createLogger('silent');
  const pump = new PublishPump(
    { topicPrefix: 'lb', gatewayId: 'gw1', statusTopic: 'lb/gw1/status', window },
    link, announcer, DEFAULT_TUNING, logger, new RateLimitedLog(logger, 60_000),
  );
  return { link, pump };
}

/** Runs the pump on `cursor`; stopped (and its loop awaited) when the test ends. */
function runUntilTestEnds(t: TestContext, pump: PublishPump, cursor: ReturnType<typeof memoryLog>['cursor']): void {
  const loop = pump.run(cursor);
  t.after(async () => {
    pump.stop();
    await loop;
  });
}

/** A running pump with a window of `window`, its session up and its first (status) PUBLISH acknowledged. */
function onlinePump(t: TestContext, window: number) {
  const { log, cursor } = memoryLog();
  const { link, pump } = pumpWith(window);
  runUntilTestEnds(t, pump, cursor);
  link.up = true;
  pump.up(true, undefined);
  pump.puback(link.sent[0].messageId!); // online
  return { log, cursor, link, pump };
}

const readingsOf = (ps: IPublishPacket[]) => ps.filter((p) => p.topic.startsWith('lb/gw1/ble/'));

test('pump: online first, window bounds what is written, commits only the acknowledged prefix', async (t) => {
  const { log, cursor } = memoryLog();
  const { link, pump } = pumpWith(2);
  runUntilTestEnds(t, pump, cursor);
  for (let i = 1n; i <= 4n; i++) log.append(reading(i));
  link.up = true;
  pump.up(false, undefined);
  assert.equal(link.sent[0].topic, 'lb/gw1/status');
  assert.equal(link.sent[0].payload.toString(), 'online');
  pump.puback(link.sent[0].messageId!);
  await until('window filled', () => readingsOf(link.sent).length === 2, 5000);
  const [r1, r2] = readingsOf(link.sent);
  pump.puback(r2.messageId!);
  assert.equal(cursor.committed, 0n, 'an ack out of order commits nothing');
  await until('the freed slot is used', () => readingsOf(link.sent).length === 3, 5000);
  pump.puback(r1.messageId!);
  assert.equal(cursor.committed, 2n, 'both acknowledged: the prefix is committed');
});

test('pump: after the session drops, everything unacknowledged is resent in order with DUP', async (t) => {
  const { log, cursor, link, pump } = onlinePump(t, 10);
  for (let i = 1n; i <= 3n; i++) log.append(reading(i));
  await until('three written', () => readingsOf(link.sent).length === 3, 5000);
  const first = readingsOf(link.sent);
  link.up = false;
  pump.down();
  link.sent.length = 0;
  link.up = true;
  pump.up(true, 1); // an MQTT 5 broker allowing one publish at a time
  assert.equal(link.sent[0].payload.toString(), 'online', 'availability first on every session');
  pump.puback(link.sent[0].messageId!);
  const again = readingsOf(link.sent);
  assert.equal(again.length, 1, 'receive maximum 1 honoured');
  assert.equal(again[0].messageId, first[0].messageId);
  assert.equal(again[0].dup, true);
  pump.puback(again[0].messageId!);
  assert.equal(cursor.committed, 1n);
  assert.equal(readingsOf(link.sent)[1].messageId, first[1].messageId, 'the next one follows in order');
});

test('pump with announcer: a new device brings its configs before its reading; a resumed session does not re-announce', async (t) => {
  const { log, cursor } = memoryLog();
  const announcer = new DiscoveryAnnouncer({ discoveryPrefix: 'ha', topicPrefix: 'lb', gatewayId: 'gw1' }, 100);
  const { link, pump } = pumpWith(100, announcer);
  runUntilTestEnds(t, pump, cursor);
  link.up = true;
  pump.up(false, undefined);
  log.append(reading(1n));
  log.append(reading(2n));
  await until('both readings written', () => readingsOf(link.sent).length === 2, 5000);
  const topics = link.sent.map((p) => p.topic);
  const firstReading = topics.indexOf('lb/gw1/ble/a4c138d5d498');
  const configs = topics.filter((tp) => tp.startsWith('ha/'));
  assert.ok(configs.length > 0 && topics.findIndex((tp) => tp.startsWith('ha/')) < firstReading, 'configs go first');
  assert.equal(new Set(configs).size, configs.length, 'each config once');
  for (const p of link.sent) if (p.topic.startsWith('ha/')) assert.equal(p.retain, true);
  for (const p of link.sent) pump.puback(p.messageId!);

  const reconnect = async (sessionPresent: boolean, seq: bigint): Promise<string[]> => {
    link.up = false;
    pump.down();
    link.sent.length = 0;
    link.up = true;
    pump.up(sessionPresent, undefined);
    log.append(reading(seq));
    await until(`reading ${seq} written`, () => readingsOf(link.sent).length === 1, 5000);
    const written = link.sent.map((p) => p.topic);
    for (const p of link.sent) pump.puback(p.messageId!);
    return written.filter((tp) => tp.startsWith('ha/'));
  };
  assert.deepEqual(await reconnect(true, 3n), [], 'resumed session: the broker still has the retained configs');
  assert.deepEqual((await reconnect(false, 4n)).sort(), [...configs].sort(), 'new session: announced again');
  await until('all committed', () => cursor.committed === 4n, 5000);
});

test('pump: a caught-up pump lets go of every entry it published and had acknowledged (no reaction left per wait)', async (t) => {
  // Regression: the wait for the next entry was Promise.race([cursor.next(), stop]); each race
  // left a reaction on `stop` that held the entry until shutdown, so memory grew per wait.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const { log, cursor, link, pump } = onlinePump(t, 10);
  const alive: WeakRef<object>[] = [];
  const N = 200;
  for (let i = 1n; i <= BigInt(N); i++) {
    const e = reading(i);
    alive.push(new WeakRef(e));
    log.append(e);
    // Published, then acknowledged: the pump is caught up and waits on the cursor again.
    await until(`reading ${i} written`, () => readingsOf(link.sent).length === Number(i), 5000);
    pump.puback(readingsOf(link.sent)[Number(i) - 1].messageId!);
  }
  await until('all committed', () => cursor.committed === BigInt(N), 5000);
  link.sent.length = 0;
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const held = alive.filter((w) => w.deref() !== undefined).length;
  assert.ok(held <= 2, `${held} of ${N} acknowledged entries are still reachable`);
});
