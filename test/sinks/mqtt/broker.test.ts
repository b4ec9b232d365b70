/** The MQTT sink against a real mosquitto. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MqttSink } from '../../../src/sinks/mqtt/sink';
import { FAST, keyOf, memLogger, memoryLog, mqttConfig, reading } from './fixtures';
import { Mosquitto, TestSubscriber, until } from './mosquitto';

let broker: Mosquitto;
before(async () => {
  broker = await Mosquitto.start();
});
after(async () => {
  await broker?.close();
});

function keysOf(sub: TestSubscriber, prefix: string): Set<string> {
  return new Set(sub.messages.filter((m) => m.topic.startsWith(prefix) && !m.topic.endsWith('/status')).map((m) => JSON.parse(m.payload.toString()).key as string));
}

test('steady stream: every reading arrives with QoS 1, cursor ends at the last PUBACKed seq', { timeout: 30_000 }, async () => {
  const sub = new TestSubscriber(broker.port, 'sub-steady');
  await sub.connect(['steady/#']);
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, topic_prefix: 'steady', window: 50, client_id: 'gw-steady' }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    const n = 2000;
    for (let s = 1n; s <= BigInt(n); s++) {
      log.append(reading(s, `dev${Number(s % 5n)}`));
      assert.ok(BigInt(sink.status().inFlight as number) <= 50n + 20n, 'in-flight bounded by the window (plus discovery/status)');
    }
    await until(() => cursor.committed === BigInt(n), () => `commit (at ${cursor.committed})`);
    await until(() => keysOf(sub, 'steady/gw1/ble/').size === n, () => `subscriber (has ${keysOf(sub, 'steady/gw1/ble/').size})`);
    const readings = sub.messages.filter((m) => m.topic.startsWith('steady/gw1/ble/'));
    assert.ok(readings.every((m) => m.qos === 1 && !m.retain));
    const got = keysOf(sub, 'steady/');
    for (let s = 1n; s <= BigInt(n); s++) assert.ok(got.has(keyOf(s).toString('hex')));
    const st = sink.status();
    assert.equal(st.state, 'connected');
    assert.equal(st.cursor, String(n));
    assert.equal(st.inFlight, 0);
    assert.equal(st.broker, `127.0.0.1:${broker.port}`);
  } finally {
    await sink.stop(1000);
    await sub.close();
  }
});

test('broker restart mid-stream: nothing lost (received keys ⊇ sent)', { timeout: 30_000 }, async () => {
  const sub = new TestSubscriber(broker.port, 'sub-restart', { clean: false });
  await sub.connect(['restart/#']);
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, topic_prefix: 'restart', window: 20, client_id: 'gw-restart', homeassistant: false }), 'gw1', logger, FAST);
  let sub2: TestSubscriber | undefined;
  try {
    await sink.start(cursor);
    const n = 3000;
    // A paced producer keeps the stream flowing while the broker goes down and comes back.
    const producer = (async () => {
      for (let s = 1n; s <= BigInt(n); s++) {
        log.append(reading(s));
        if (s % 10n === 0n) await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await until(() => cursor.committed >= 300n, 'some progress');
    await sub.close();
    const committedAtStop = cursor.committed;
    await broker.restart();
    await producer;
    await until(() => cursor.committed === BigInt(n), () => `commit after restart (at ${cursor.committed}, ${JSON.stringify(sink.status())})`);
    assert.ok(committedAtStop > 0n && committedAtStop < BigInt(n), 'the restart happened mid-stream');
    assert.ok((sink.status().reconnects as number) >= 1);
    sub2 = new TestSubscriber(broker.port, 'sub-restart', { clean: false });
    assert.equal(await sub2.connect([]), true, 'subscriber session survived the restart');
    const all = () => new Set([...keysOf(sub, 'restart/'), ...keysOf(sub2!, 'restart/')]);
    await until(() => all().size === n, () => `all keys (have ${all().size})`);
    const got = all();
    for (let s = 1n; s <= BigInt(n); s++) assert.ok(got.has(keyOf(s).toString('hex')), `key of seq ${s}`);
  } finally {
    await sink.stop(1000);
    await sub2?.close();
  }
});

test('Home Assistant discovery configs are retained and well-formed; status is retained online', { timeout: 30_000 }, async () => {
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, topic_prefix: 'ha', discovery_prefix: 'hatest', client_id: 'gw-ha' }), 'gwha', logger, FAST);
  try {
    await sink.start(cursor);
    log.append(reading(1n, 'aa0000000001', { temperature: 21.5, humidity: 40, battery: 90 }));
    log.append(reading(2n, 'aa0000000002', { co2: 600, motion: false }));
    log.append(reading(3n, 'aa0000000001', { temperature: 21.6, humidity: 41, battery: 90 }));
    await until(() => cursor.committed === 3n, 'readings delivered');
    // A fresh subscriber gets the configs from the broker's retained store.
    const fresh = new TestSubscriber(broker.port, 'sub-ha-fresh');
    await fresh.connect(['hatest/#', 'ha/gwha/status']);
    const expected = [
      'hatest/sensor/gwha_aa0000000001/temperature/config', 'hatest/sensor/gwha_aa0000000001/humidity/config',
      'hatest/sensor/gwha_aa0000000001/battery/config', 'hatest/sensor/gwha_aa0000000001/rssi/config',
      'hatest/sensor/gwha_aa0000000002/co2/config', 'hatest/binary_sensor/gwha_aa0000000002/motion/config',
    ];
    await until(() => expected.every((t) => fresh.on(t).length > 0) && fresh.on('ha/gwha/status').length > 0, 'retained configs');
    assert.deepEqual(fresh.on('ha/gwha/status'), ['online']);
    for (const t of expected) {
      const msgs = fresh.messages.filter((m) => m.topic === t);
      assert.equal(msgs.length, 1, `${t} announced once`);
      assert.ok(msgs[0].retain, `${t} retained`);
      const c = JSON.parse(msgs[0].payload.toString());
      assert.ok(c.name && c.unique_id && c.state_topic && c.value_template, t);
      assert.equal(c.availability_topic, 'ha/gwha/status');
      assert.ok(Array.isArray(c.device.identifiers) && c.device.manufacturer === 'BTHome' && c.device.via_device === 'lowband_gwha', t);
      if (t.includes('/sensor/')) {
        assert.ok(c.unit_of_measurement && c.device_class, t);
        assert.equal(c.state_class, 'measurement');
      }
    }
    const temp = JSON.parse(fresh.on(expected[0])[0]);
    assert.equal(temp.unit_of_measurement, '°C');
    assert.equal(temp.device_class, 'temperature');
    assert.equal(temp.state_topic, 'ha/gwha/ble/aa0000000001');
    assert.equal(JSON.parse(fresh.on(expected[4])[0]).unit_of_measurement, 'ppm');
    await fresh.close();
  } finally {
    await sink.stop(1000);
  }
});

test('availability: online on connect, last will offline when the socket dies, offline on clean stop', { timeout: 30_000 }, async () => {
  const sub = new TestSubscriber(broker.port, 'sub-avail');
  await sub.connect(['av/gwav/status']);
  const { cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, topic_prefix: 'av', client_id: 'gw-avail' }), 'gwav', logger, FAST);
  try {
    await sink.start(cursor);
    await until(() => sub.on('av/gwav/status').includes('online'), 'online');
    sink.dropConnection();
    await until(() => sub.on('av/gwav/status').length >= 3, () => `will then online again (${sub.on('av/gwav/status')})`);
    assert.deepEqual(sub.on('av/gwav/status').slice(0, 3), ['online', 'offline', 'online']);
    await sink.stop(1000);
    await until(() => sub.on('av/gwav/status').length >= 4, 'offline on stop');
    assert.equal(sub.on('av/gwav/status')[3], 'offline');
    // Retained: a late subscriber learns the gateway is offline.
    const late = new TestSubscriber(broker.port, 'sub-avail-late');
    await late.connect(['av/gwav/status']);
    await until(() => late.on('av/gwav/status').length > 0, 'retained status');
    assert.deepEqual(late.on('av/gwav/status'), ['offline']);
    assert.ok(late.messages[0].retain);
    await late.close();
  } finally {
    await sink.stop(0);
    await sub.close();
  }
});

test('MQTT 5 against mosquitto: connects, delivers, cursor follows PUBACKs', { timeout: 30_000 }, async () => {
  const sub = new TestSubscriber(broker.port, 'sub-v5', { protocolVersion: 5 });
  await sub.connect(['v5/#']);
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, topic_prefix: 'v5', protocol_version: 5, client_id: 'gw-v5' }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    for (let s = 1n; s <= 500n; s++) log.append(reading(s));
    await until(() => cursor.committed === 500n, () => `commit (at ${cursor.committed})`);
    await until(() => keysOf(sub, 'v5/gw1/ble/').size === 500, 'all received');
    assert.equal(sink.status().protocol, 'mqtt5');
    assert.equal(sink.status().state, 'connected');
  } finally {
    await sink.stop(1000);
    await sub.close();
  }
});
