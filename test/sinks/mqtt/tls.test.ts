/** mqtts:// against mosquitto's TLS listener with a test CA made by openssl. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MqttSink } from '../../../src/sinks/mqtt/sink';
import { FAST, memLogger, memoryLog, mqttConfig, reading } from './fixtures';
import { makeCerts, makeClientCert, Mosquitto, TestSubscriber, until, type TlsFiles } from './mosquitto';

let dir: string;
let broker: Mosquitto;
let certs: TlsFiles;
let otherCa: TlsFiles;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lowband-tls-'));
  certs = await makeCerts(dir, 'ca');
  otherCa = await makeCerts(dir, 'other');
  broker = await Mosquitto.start({ tls: certs });
});
after(async () => {
  await broker?.close();
  await rm(dir, { recursive: true, force: true });
});

test('mqtts:// with ca_file connects and delivers', { timeout: 30_000 }, async () => {
  const sub = new TestSubscriber(broker.port, 'sub-tls');
  await sub.connect(['tls/#']);
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca_file: certs.ca, topic_prefix: 'tls', client_id: 'gw-tls' }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    for (let s = 1n; s <= 50n; s++) log.append(reading(s));
    await until(() => cursor.committed === 50n, () => `delivery over TLS (${JSON.stringify(sink.status())})`);
    await until(() => sub.messages.filter((m) => m.topic.startsWith('tls/gw1/ble/')).length === 50, 'subscriber got them');
    assert.equal(sink.status().tls, true);
    assert.equal(sink.status().state, 'connected');
  } finally {
    await sink.stop(1000);
    await sub.close();
  }
});

test('mqtts:// with the wrong CA fails with a clear certificate error and keeps retrying', { timeout: 30_000 }, async () => {
  const { log, cursor } = memoryLog();
  const { logger, text } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, ca_file: otherCa.ca, topic_prefix: 'tlsbad', client_id: 'gw-tls-bad' }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    log.append(reading(1n));
    await until(() => /not trusted/.test(String(sink.status().lastError)), () => `certificate error (${JSON.stringify(sink.status())})`);
    assert.match(String(sink.status().lastError), /TLS: the broker certificate of 127\.0\.0\.1:\d+ is not trusted \(.+\); check upstream\.mqtt\.ca_file/);
    await until(() => /mqtt connect failed/.test(text()), 'logged');
    assert.notEqual(sink.status().state, 'connected');
    assert.equal(cursor.committed, 0n, 'nothing delivered, nothing committed');
  } finally {
    await sink.stop(0);
  }
});

test('mqtts:// without ca_file does not trust a private CA', { timeout: 30_000 }, async () => {
  const { cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(mqttConfig({ url: `mqtts://127.0.0.1:${broker.tlsPort}`, client_id: 'gw-tls-noca' }), 'gw1', logger, FAST);
  try {
    await sink.start(cursor);
    await until(() => /not trusted/.test(String(sink.status().lastError)), () => `certificate error (${JSON.stringify(sink.status())})`);
  } finally {
    await sink.stop(0);
  }
});

test('client certificate: cert_file/key_file accepted by a listener that requires one; refused without', { timeout: 30_000 }, async () => {
  const client = makeClientCert(dir, 'ca');
  const { log, cursor } = memoryLog();
  const { logger } = memLogger();
  const sink = new MqttSink(
    mqttConfig({ url: `mqtts://127.0.0.1:${broker.mtlsPort}`, ca_file: certs.ca, cert_file: client.cert, key_file: client.key, topic_prefix: 'mtls', client_id: 'gw-mtls' }),
    'gw1', logger, FAST,
  );
  const noCert = new MqttSink(mqttConfig({ url: `mqtts://127.0.0.1:${broker.mtlsPort}`, ca_file: certs.ca, client_id: 'gw-mtls-nocert' }), 'gw1', memLogger().logger, FAST);
  try {
    await sink.start(cursor);
    log.append(reading(1n));
    await until(() => cursor.committed === 1n, () => `delivery with a client certificate (${JSON.stringify(sink.status())})`);
    await noCert.start(memoryLog().cursor);
    await until(() => (noCert.status().lastError as string | undefined) !== undefined, 'refusal without a client certificate');
    assert.notEqual(noCert.status().state, 'connected');
  } finally {
    await sink.stop(500);
    await noCert.stop(0);
  }
});
