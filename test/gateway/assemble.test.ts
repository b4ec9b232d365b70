import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/validate';
import { assemble, SINKS } from '../../src/gateway';
import { quiet, tempConfig } from './helpers';

const status = () => {
  throw new Error('not running');
};

test('publish only: one sink on the memory log, no spool, LoRa stages on modems and concentrators', () => {
  const t = tempConfig({
    lora: [{ name: 'lora0', port: '/dev/null', modem: 'rn2483' }],
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
  });
  try {
    const a = assemble(t.cfg, 'unit-gw', quiet, { status });
    assert.deepEqual(a.sinks.map((s) => s.sink.name), ['publish']);
    assert.equal(a.spool, undefined, 'no durable sink, no spool');
    assert.equal(a.sinks[0].log, a.memoryLog);
    assert.equal(a.sinks[0].limits.maxMessages, t.cfg.upstream.publish.queue_messages);
    assert.deepEqual(a.adapters.map((x) => x.adapter.name), ['lora0', 'udp0']);
    assert.equal(a.adapters[0].stage, a.lora.modem);
    assert.equal(a.adapters[1].stage, a.lora.concentrator);
    assert.ok(a.adapters[1].bindEvents, 'the concentrator reports gateway stats as events');
    assert.deepEqual(a.services.map((s) => s.name), ['control']);
    assert.equal(a.ble, undefined);
    a.lora.close();
  } finally {
    t.done();
  }
});

test('durable sinks read the spool, in table order, bounded by the spool', () => {
  const t = tempConfig({
    upstream: {
      publish: { bind: [] },
      reliable: { connect: 'tcp://127.0.0.1:1' },
      mqtt: { url: 'mqtt://127.0.0.1:1' },
      nats: { url: 'nats://127.0.0.1:1' },
    },
  });
  try {
    const a = assemble(t.cfg, 'unit-gw', quiet, { status });
    assert.deepEqual(a.sinks.map((s) => s.sink.name), SINKS.map((s) => s.name));
    assert.ok(a.spool);
    for (const s of a.sinks.slice(1)) {
      assert.equal(s.log, a.spool);
      assert.equal(s.limits.maxBytes, t.cfg.spool.max_bytes);
    }
    a.lora.close();
  } finally {
    t.done();
  }
});

test('BLE enabled: the adapter decodes itself (no stage) and is the control API BLE side', () => {
  const t = tempConfig({ ble: { enabled: true } });
  try {
    const a = assemble(t.cfg, 'unit-gw', quiet, { status });
    assert.ok(a.ble);
    const entry = a.adapters.find((x) => x.adapter === a.ble);
    assert.ok(entry);
    assert.equal(entry.stage, undefined);
    a.lora.close();
  } finally {
    t.done();
  }
});

test('config errors name the key: unusable codec, unreadable CURVE key', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ lorawan: { devices: [{ devaddr: '26011bda', nwkskey: '00'.repeat(16), appskey: '00'.repeat(16), codec: './missing-codec.js' }] } }, 'lorawan.devices[].codec'],
    [{ upstream: { publish: { bind: [] }, curve: { secret_key_file: '/nonexistent/gateway.key', allowed_clients_file: '/nonexistent/clients.allow' } } }, 'upstream.curve.secret_key_file'],
  ];
  for (const [extra, key] of cases) {
    const t = tempConfig(extra);
    try {
      assert.throws(() => assemble(t.cfg, 'unit-gw', quiet, { status }), (err: unknown) => err instanceof ConfigError && err.message.includes(key));
    } finally {
      t.done();
    }
  }
});
