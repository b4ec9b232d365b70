/** The sink's MQTT behaviour against a scripted fake broker: acks, window, resend, keepalive, refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { generate, parser as mqttParser, type IConnectPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import { CONTROL_RESERVE, MqttSink } from '../../../src/sinks/mqtt/sink';
import { InFlight } from '../../../src/sinks/mqtt/inflight';
import { FAST, memLogger, memoryLog, mqttConfig, reading } from './fixtures';
import { until } from './mosquitto';

interface FakeConn {
  socket: net.Socket;
  packets: Packet[];
  publishes: IPublishPacket[];
  connect?: IConnectPacket;
}

/** A broker that answers CONNECT as told and PUBACKs only on request. */
class FakeBroker {
  readonly conns: FakeConn[] = [];
  connack: { sessionPresent: boolean; returnCode?: number; reasonCode?: number; properties?: Record<string, unknown> } = { sessionPresent: false, returnCode: 0 };
  answerPings = true;
  autoAckControl = true;
  /** PUBACK every publish at once. */
  autoAckAll = false;
  /** Keep CONNACK back until releaseConnack() (a broker that is not there yet). */
  holdConnack = false;
  private held: Array<() => void> = [];
  private server = net.createServer((socket) => this.accept(socket));
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private accept(socket: net.Socket): void {
    const conn: FakeConn = { socket, packets: [], publishes: [] };
    this.conns.push(conn);
    const pv = () => conn.connect?.protocolVersion ?? 4;
    const parser = mqttParser({ protocolVersion: 5 });
    const p4 = mqttParser({ protocolVersion: 4 });
    let active = p4;
    socket.on('data', (d) => active.parse(d));
    socket.on('error', () => {});
    const onPacket = (p: Packet) => {
      conn.packets.push(p);
      if (p.cmd === 'connect') {
        conn.connect = p;
        if (p.protocolVersion === 5) active = parser;
        const answer = () => socket.write(generate({ cmd: 'connack', ...this.connack } as Packet, { protocolVersion: pv() }));
        if (this.holdConnack) this.held.push(answer);
        else answer();
      } else if (p.cmd === 'publish') {
        conn.publishes.push(p);
        // Status and discovery are acked at once so tests can focus on readings.
        if (this.autoAckAll || (this.autoAckControl && p.retain)) this.ack(conn, p.messageId!);
      } else if (p.cmd === 'pingreq' && this.answerPings) {
        socket.write(generate({ cmd: 'pingresp' }));
      }
    };
    p4.on('packet', onPacket);
    parser.on('packet', onPacket);
  }

  ack(conn: FakeConn, messageId: number, reasonCode?: number): void {
    const pv = conn.connect?.protocolVersion ?? 4;
    conn.socket.write(generate({ cmd: 'puback', messageId, ...(reasonCode !== undefined ? { reasonCode } : {}) }, { protocolVersion: pv }));
  }

  releaseConnack(): void {
    this.holdConnack = false;
    for (const f of this.held.splice(0)) f();
  }

  get last(): FakeConn {
    return this.conns[this.conns.length - 1];
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

/** Readings (not retained control messages) a connection received. */
function readingsOf(c: FakeConn): IPublishPacket[] {
  return c.publishes.filter((p) => !p.retain);
}
/** PUBACKs every reading as it arrives until `done()`. */
async function ackUntil(broker: FakeBroker, conn: FakeConn, done: () => boolean, reasonCode?: number, from = 0): Promise<void> {
  let acked = from;
  await until(() => {
    const r = readingsOf(conn);
    for (; acked < r.length; acked++) broker.ack(conn, r[acked].messageId!, reasonCode);
    return done();
  }, 'all readings acked');
}
function seqOf(p: IPublishPacket): number {
  return JSON.parse(p.payload.toString()).seq;
}

test('cursor advances only on PUBACK, in order; window bounds in-flight; resend after reconnect is in order with DUP', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, window: 5, homeassistant: false }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    for (let s = 1n; s <= 12n; s++) log.append(reading(s));
    await until(() => readingsOf(broker.last ?? { publishes: [] } as unknown as FakeConn).length === 5, 'first window of publishes');
    const c1 = broker.last;
    assert.equal(c1.connect!.clean, false, 'persistent session');
    assert.equal(c1.connect!.will?.topic, 'lowband/gw1/status');
    assert.equal(c1.connect!.will?.retain, true);
    assert.equal(String(c1.connect!.will?.payload), 'offline');
    const first = readingsOf(c1);
    assert.deepEqual(first.map(seqOf), [1, 2, 3, 4, 5]);
    assert.ok(first.every((p) => p.qos === 1 && !p.dup && p.topic === 'lowband/gw1/ble/a4c138d5d498'));
    assert.equal(cursor.committed, 0n, 'nothing committed without PUBACK');
    assert.equal(sink.status().inFlight, 5);

    // Acks out of order: 2 then 1 → commit 2; 4 alone → still 2.
    broker.ack(c1, first[1].messageId!);
    await until(() => readingsOf(c1).length === 6, 'window refilled');
    assert.equal(cursor.committed, 0n, 'seq 1 still unacked');
    broker.ack(c1, first[0].messageId!);
    broker.ack(c1, first[3].messageId!);
    await until(() => cursor.committed === 2n, 'commit up to 2');
    await until(() => readingsOf(c1).length === 8, 'window refilled again');
    assert.equal(cursor.committed, 2n, 'seq 3 unacked holds the cursor');
    assert.equal(sink.status().cursor, '2');

    // Link dies: all unacked (3, 5, 6, 7, 8 → in order) are resent with DUP on the new connection.
    broker.connack = { sessionPresent: true, returnCode: 0 };
    sink.dropConnection();
    await until(() => broker.conns.length === 2 && readingsOf(broker.last).length >= 5, 'resend after reconnect');
    const c2 = broker.last;
    const resent = readingsOf(c2).slice(0, 5);
    assert.deepEqual(resent.map(seqOf), [3, 5, 6, 7, 8]);
    assert.ok(resent.every((p) => p.dup), 'DUP set on resends');
    assert.deepEqual(resent.map((p) => p.messageId), [first[2].messageId, first[4].messageId, ...readingsOf(c1).slice(5, 8).map((p) => p.messageId)], 'same packet ids');
    assert.equal(sink.status().reconnects, 1);

    await ackUntil(broker, c2, () => cursor.committed === 12n);
    assert.equal(readingsOf(c2).filter((p) => !p.dup).length, 4, 'seq 9..12 sent fresh');
    assert.equal(sink.status().inFlight, 0);
    assert.deepEqual(sink.status().backlog, { messages: 0, bytes: 0 });
  } finally {
    await sink.stop(200);
    await broker.close();
  }
});

test('clean stop publishes retained offline and sends DISCONNECT', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  const { cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}` }), 'gw1', logger, FAST);
  await sink.start(cursor);
  await until(() => sink.status().state === 'connected', 'connected');
  await until(() => broker.last.publishes.some((p) => p.payload.toString() === 'online'), 'online');
  await sink.stop(1000);
  const c = broker.last;
  const statuses = c.publishes.filter((p) => p.topic === 'lowband/gw1/status');
  assert.deepEqual(statuses.map((p) => [p.payload.toString(), p.retain, p.qos]), [['online', true, 1], ['offline', true, 1]]);
  assert.equal(c.packets.at(-1)?.cmd, 'disconnect');
  assert.equal(sink.status().state, 'stopped');
  await broker.close();
});

test('keepalive: PINGREQ sent, missing PINGRESP detected as a dead connection, then reconnect', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  broker.answerPings = false;
  const { cursor } = memoryLog();
  const { logger, text } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, keepalive_s: 1 }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    await until(() => broker.conns.length >= 2, 'reconnect after the dead connection', 10_000);
    assert.ok(broker.conns[0].packets.some((p) => p.cmd === 'pingreq'));
    assert.match(text(), /keepalive: connection dead/);
    broker.answerPings = true;
  } finally {
    await sink.stop(0);
    await broker.close();
  }
});

test('CONNACK refusal (bad credentials) gives a clear error; password never logged', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  broker.connack = { sessionPresent: false, returnCode: 4 };
  const { cursor } = memoryLog();
  const { logger, text } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, username: 'gw', password: 'hunter2-secret' }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    await until(() => /bad user name or password/.test(String(sink.status().lastError)), 'refusal reported');
    assert.equal(broker.last.connect!.username, 'gw');
    assert.equal(String(broker.last.connect!.password), 'hunter2-secret');
    assert.match(text(), /broker refused the connection: bad user name or password/);
    assert.ok(!text().includes('hunter2'));
    assert.ok(!JSON.stringify(sink.status()).includes('hunter2'));
  } finally {
    await sink.stop(0);
    await broker.close();
  }
});

test('MQTT 5: session expiry requested, receive maximum honoured, refused PUBACK counted as a drop', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  broker.connack = { sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 3 } };
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, protocol_version: 5, window: 50, homeassistant: false }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    for (let s = 1n; s <= 6n; s++) log.append(reading(s));
    await until(() => (broker.last?.publishes.length ?? 0) >= 3, 'publishes');
    const c = broker.last;
    assert.equal(c.connect!.protocolVersion, 5);
    assert.equal(c.connect!.clean, false);
    assert.ok((c.connect!.properties?.sessionExpiryInterval ?? 0) > 0);
    await until(() => readingsOf(c).length >= 3, 'three readings');
    assert.equal(sink.status().window, 3);
    const first = readingsOf(c)[0];
    broker.ack(c, first.messageId!, 0x87);
    await until(() => cursor.committed === 1n && readingsOf(c).length >= 4, 'refused publish committed, window moved');
    // TCP keeps order: had the sink ignored the broker's window, readings 5 and 6 would be here already.
    assert.equal(readingsOf(c).length, 4);
    assert.equal(sink.status().drops.refused, 1);
    await ackUntil(broker, c, () => cursor.committed === 6n, 0x10, 1);
    assert.equal(sink.status().drops.refused, 1, '0x10 no matching subscribers is a success');
  } finally {
    await sink.stop(0);
    await broker.close();
  }
});

test('undecodable log entry is counted and does not block the cursor', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, homeassistant: false }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    log.append(reading(1n));
    log.append({ seq: 2n, frames: [Buffer.from('ble/x'), Buffer.alloc(3), Buffer.alloc(0)] });
    log.append(reading(3n));
    await until(() => readingsOf(broker.last ?? ({ publishes: [] } as unknown as FakeConn)).length === 2, 'two publishes');
    for (const p of readingsOf(broker.last)) broker.ack(broker.last, p.messageId!);
    await until(() => cursor.committed === 3n, 'commit past the bad entry');
    assert.equal(sink.status().drops['bad-message'], 1);
  } finally {
    await sink.stop(0);
    await broker.close();
  }
});

test('discovery: announced once per session; announced again on a new session, not on a resumed one', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}` }), 'gw1', logger, FAST);
  const configs = (c: FakeConn) => c.publishes.filter((p) => p.topic.startsWith('homeassistant/')).map((p) => p.topic);
  try {
    await sink.start(cursor);
    log.append(reading(1n));
    log.append(reading(2n));
    await until(() => broker.conns.length === 1 && readingsOf(broker.last).length === 2, 'two readings');
    await ackUntil(broker, broker.last, () => cursor.committed === 2n);
    const c1 = broker.last;
    assert.deepEqual(configs(c1).sort(), [
      'homeassistant/binary_sensor/lowband_gw1/connectivity/config',
      'homeassistant/sensor/gw1_a4c138d5d498/battery/config', 'homeassistant/sensor/gw1_a4c138d5d498/humidity/config',
      'homeassistant/sensor/gw1_a4c138d5d498/rssi/config', 'homeassistant/sensor/gw1_a4c138d5d498/temperature/config',
    ]);
    assert.ok(c1.publishes.filter((p) => p.topic.startsWith('homeassistant/')).every((p) => p.retain && p.qos === 1));
    // The first config precedes the first reading it describes.
    assert.ok(c1.publishes.findIndex((p) => p.topic.startsWith('homeassistant/')) < c1.publishes.findIndex((p) => !p.retain));

    broker.connack = { sessionPresent: true, returnCode: 0 };
    sink.dropConnection();
    await until(() => broker.conns.length === 2 && sink.status().state === 'connected', 'resumed session');
    assert.equal(sink.status().sessionPresent, true);
    assert.equal(sink.status().announced, 5, 'four sensor entities and the gateway device');
    log.append(reading(3n));
    await ackUntil(broker, broker.last, () => cursor.committed === 3n);
    assert.deepEqual(configs(broker.last), [], 'resumed session: nothing re-announced');

    broker.connack = { sessionPresent: false, returnCode: 0 };
    sink.dropConnection();
    await until(() => broker.conns.length === 3 && sink.status().state === 'connected', 'new session');
    log.append(reading(4n));
    await ackUntil(broker, broker.last, () => cursor.committed === 4n);
    assert.equal(configs(broker.last).length, 5, 'new session: announced again');
  } finally {
    await sink.stop(0);
    await broker.close();
  }
});

test('65,535 publishes waiting: ids kept for status and discovery; no throw on reconnect or in the pump', { timeout: 30_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  broker.holdConnack = true;
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, window: 65535 }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    // Device A brings 4 discovery configs, then fills the ids; device B then needs 4 configs + 1.
    const nA = 65528;
    for (let s = 1n; s <= BigInt(nA); s++) log.append(reading(s, 'aaaaaaaaaaaa'));
    log.append(reading(BigInt(nA + 1), 'bbbbbbbbbbbb'));
    log.append(reading(BigInt(nA + 2), 'bbbbbbbbbbbb'));
    // The broker is not answering: the pump stops with CONTROL_RESERVE ids left.
    await until(() => sink.status().inFlight === 65535 - CONTROL_RESERVE, () => `in flight ${sink.status().inFlight}`);
    await new Promise((r) => setImmediate(r));
    assert.equal(sink.status().inFlight, 65535 - CONTROL_RESERVE);
    assert.equal(errors.length, 0);

    broker.autoAckAll = true;
    broker.releaseConnack();
    await until(() => cursor.committed === BigInt(nA + 2), () => `committed ${cursor.committed}`, 25_000);
    const c = broker.last;
    assert.equal(c.publishes[0].topic, 'lowband/gw1/status', 'online goes first');
    assert.equal(String(c.publishes[0].payload), 'online');
    assert.equal(c.publishes.filter((p) => p.topic.startsWith('homeassistant/sensor/gw1_bbbbbbbbbbbb/')).length, 4, 'device B announced');
    assert.equal(sink.status().inFlight, 0);
    assert.deepEqual(errors, []);
  } finally {
    await sink.stop(0);
    await broker.close();
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
});

test('in-flight table: add/addFront return undefined when all 65,535 ids are taken, never throw', () => {
  const f = new InFlight();
  const packet = { cmd: 'publish' as const, topic: 't', payload: Buffer.alloc(0), qos: 1 as const, retain: false, dup: false };
  for (let i = 0; i < 65535; i++) assert.ok(f.add(packet, BigInt(i + 1)));
  assert.equal(f.add(packet, 70000n), undefined);
  assert.equal(f.addFront(packet), undefined);
  assert.equal(f.free, 0);
  assert.equal(f.size, 65535);
});

test('MQTT 5: PUBACK 0x97/0x80/0x83 are retried with backoff and hold the cursor; 0x90/0x99 are dropped', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  broker.connack = { sessionPresent: false, reasonCode: 0 };
  const { log, cursor } = memoryLog();
  const { logger, text } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, protocol_version: 5, window: 10, homeassistant: false }), 'gw1', logger, { ...FAST, retryMinMs: 20, retryMaxMs: 100 });
  try {
    await sink.start(cursor);
    for (let s = 1n; s <= 3n; s++) log.append(reading(s));
    await until(() => readingsOf(broker.last ?? ({ publishes: [] } as unknown as FakeConn)).length === 3, 'three readings');
    const c = broker.last;
    const [r1, r2, r3] = readingsOf(c);
    broker.ack(c, r2.messageId!);
    broker.ack(c, r3.messageId!);
    // Reading 1 is refused for temporary reasons three times, then taken.
    let sent = 3;
    for (const code of [0x97, 0x80, 0x83]) {
      const last = readingsOf(c).filter((p) => seqOf(p) === 1).at(-1)!;
      broker.ack(c, last.messageId!, code);
      await until(() => readingsOf(c).length === sent + 1, `reading 1 resent after 0x${code.toString(16)}`);
      sent++;
      const again = readingsOf(c).at(-1)!;
      assert.equal(seqOf(again), 1);
      assert.equal(again.messageId, r1.messageId, 'still the same in-flight publish');
      assert.equal(cursor.committed, 0n, 'a temporarily refused reading holds the cursor');
    }
    assert.equal(sink.status().inFlight, 1);
    broker.ack(c, readingsOf(c).at(-1)!.messageId!);
    await until(() => cursor.committed === 3n, 'commit after the retry is taken');
    assert.equal(sink.status().retried, 3);
    assert.equal(sink.status().drops.refused, undefined, 'nothing dropped');
    assert.match(text(), /quota exceeded \(0x97\)/);

    // Codes that will always fail are dropped (counted) and committed.
    log.append(reading(4n));
    log.append(reading(5n));
    await until(() => readingsOf(c).length === sent + 2, 'readings 4 and 5');
    const [r4, r5] = readingsOf(c).slice(-2);
    broker.ack(c, r4.messageId!, 0x90);
    broker.ack(c, r5.messageId!, 0x99);
    await until(() => cursor.committed === 5n, 'permanent refusals committed');
    assert.equal(sink.status().drops.refused, 2);
    assert.equal(readingsOf(c).length, sent + 2, 'permanent refusals not resent');
  } finally {
    await sink.stop(0);
    await broker.close();
  }
});

test('replays after a restart (seq <= cursor.replayUntil) carry redelivery: true; DUP stays off', { timeout: 20_000 }, async () => {
  const broker = new FakeBroker();
  await broker.listen();
  const { log, cursor } = memoryLog();
  // What the durable spool's cursor exposes: entries up to 2 were on disk uncommitted at open.
  const replayCursor = Object.assign(cursor, { replayUntil: 2n });
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, homeassistant: false }), 'gw1', logger, FAST);
  try {
    await sink.start(replayCursor);
    for (let s = 1n; s <= 4n; s++) log.append(reading(s));
    await until(() => readingsOf(broker.last ?? ({ publishes: [] } as unknown as FakeConn)).length === 4, 'four readings');
    const got = readingsOf(broker.last).map((p) => ({ seq: seqOf(p), redelivery: JSON.parse(p.payload.toString()).redelivery, dup: p.dup }));
    assert.deepEqual(got, [
      { seq: 1, redelivery: true, dup: false },
      { seq: 2, redelivery: true, dup: false },
      { seq: 3, redelivery: undefined, dup: false },
      { seq: 4, redelivery: undefined, dup: false },
    ]);
    assert.equal(sink.status().replayed, 2);
    await ackUntil(broker, broker.last, () => cursor.committed === 4n);
  } finally {
    await sink.stop(0);
    await broker.close();
  }
});
