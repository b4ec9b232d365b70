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

test('BLE enabled: the adapter hands what it heard to its BLE stage, and shows what the stage decoded', async () => {
  const t = tempConfig({ ble: { enabled: true } });
  try {
    const a = assemble(t.cfg, 'unit-gw', quiet, { status });
    assert.ok(a.ble);
    const entry = a.adapters.find((x) => x.adapter === a.ble);
    assert.ok(entry?.stage && entry.openStage && entry.closeStage);
    await entry.openStage();
    const mac = 'a4c138000001';
    await a.ble.pair(mac, { name: 'porch' });
    const heard = (serviceData: { uuid: string; data: Buffer }[]) =>
      ({ radio: 'ble' as const, device: mac, src: 'ble0', raw: Buffer.alloc(1), timeUs: 1, rssi: -50, advert: { mac, rssi: -50, serviceData } });
    // BTHome v2, unencrypted: temperature 25.06 and humidity 50.55 (the registry, not a stub)
    const r = entry.stage.process(heard([{ uuid: 'fcd2', data: Buffer.from('4002ca0903bf13', 'hex') }]));
    assert.deepEqual({ fmt: r?.fmt, fields: r?.fields, name: r?.name }, { fmt: 'bthome', fields: { temperature: 25.06, humidity: 50.55 }, name: 'porch' });
    assert.equal(entry.stage.process(heard([{ uuid: 'abcd', data: Buffer.from('00', 'hex') }])), null);
    const st = a.ble.status();
    assert.equal(st.received, 1, 'readings the stage handed on');
    assert.equal(st.drops.undecodable, 1, "the stage's drops in the adapter's status");
    entry.closeStage();
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
