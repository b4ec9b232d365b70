import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AbpDevice } from '../../hardware/emulators/lorawan-device';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { LowbandProcess, until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';
import { Mosquitto, TestSubscriber } from '../sinks/mqtt/mosquitto';

// Concentrator → `lowband run` (LoRaWAN decryption, Cayenne, spool) → Debian's mosquitto,
// restarted mid-stream → a persistent QoS 1 subscriber and Home Assistant discovery.

const DEV = { devaddr: '26011bda', nwkskey: '3c8f262739bfe3b7bc0826991ad0504d', appskey: 'b0b36a5dd3b6f1e0c7a3d1e2f4a5b6c7' };

test('LoRaWAN readings reach MQTT through a broker restart; discovery is retained', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-mqttgw-'));
  const broker = await Mosquitto.start();
  const cfg = writeTestConfig(dir, {
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    lorawan: { devices: [{ ...DEV, codec: 'cayenne', name: 'probe' }] },
    upstream: {
      publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] },
      mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, topic_prefix: 'lb', window: 20 },
    },
    spool: { fsync_ms: 20 },
  });
  const gw = new LowbandProcess(['run', '--config', cfg.path]);
  const sub = new TestSubscriber(broker.port, 'e2e-sub', { clean: false });
  let sub2: TestSubscriber | undefined;
  try {
    await sub.connect(['lb/test-gw/lora/#']);
    await gw.waitForMsg('gateway started');
    const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
    const fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(), 'udp0')));
    const probe = new AbpDevice(DEV.devaddr, Buffer.from(DEV.nwkskey, 'hex'), Buffer.from(DEV.appskey, 'hex'));
    const N = 300;
    const sendSome = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const t = 200 + i; // 20.0 °C + i/10
        await fwd.push([probe.uplink(Buffer.from([0x01, 0x67, (t >> 8) & 0xff, t & 0xff]), 1)]);
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
      }
    };
    await sendSome(0, 100);
    await until('some delivered', async () => BigInt((await status()).sinks.find((s) => s.kind === 'mqtt')!.cursor) > 50n || undefined);
    await sub.close();
    await broker.restart();
    await sendSome(100, N);
    await until('all accepted and delivered', async () => {
      const s = await status();
      const m = s.sinks.find((k) => k.kind === 'mqtt')!;
      return (s.readings.total >= N && m.backlog.messages === 0 && m.inFlight === 0) || undefined;
    }, 60_000, 100);
    fwd.close();

    sub2 = new TestSubscriber(broker.port, 'e2e-sub', { clean: false });
    assert.equal(await sub2.connect([]), true, 'the persistent session survived the broker restart');
    const temps = () => {
      const all = [...sub.messages, ...sub2!.messages].filter((m) => m.topic === `lb/test-gw/lora/${DEV.devaddr}`);
      return new Set(all.map((m) => JSON.parse(m.payload.toString()).fields.temperature_1 as number));
    };
    await until('every reading at the subscriber', () => temps().size >= N || undefined, 30_000);
    for (let i = 0; i < N; i++) assert.ok(temps().has(Math.round(200 + i) / 10), `reading ${i}`);
    const one = JSON.parse([...sub.messages, ...sub2.messages].find((m) => m.topic.startsWith('lb/test-gw/lora/'))!.payload.toString());
    assert.equal(one.fmt, 'cayenne');
    assert.match(one.key, /^[0-9a-f]{32}$/);
    assert.equal(one.lorawan.devaddr, DEV.devaddr);
    assert.equal(one.name, 'probe', 'the configured device name travels with the reading');

    const fresh = new TestSubscriber(broker.port, 'e2e-fresh');
    await fresh.connect(['homeassistant/#', 'lb/test-gw/status']);
    const topic = `homeassistant/sensor/test-gw_${DEV.devaddr}/temperature_1/config`;
    await until('retained discovery config', () => fresh.on(topic).length > 0 || undefined);
    const conf = JSON.parse(fresh.on(topic)[0]);
    assert.equal(conf.device_class, 'temperature');
    assert.equal(conf.state_topic, `lb/test-gw/lora/${DEV.devaddr}`);
    assert.ok(conf.device?.identifiers);
    assert.equal(conf.device.name, 'probe', 'Home Assistant shows the configured name');
    assert.deepEqual(fresh.on('lb/test-gw/status'), ['online']);
    // The device the sensors name as via_device is announced too.
    const gwTopic = 'homeassistant/binary_sensor/lowband_test-gw/connectivity/config';
    await until('gateway device config', () => fresh.on(gwTopic).length > 0 || undefined);
    const gwConf = JSON.parse(fresh.on(gwTopic)[0]);
    assert.equal(gwConf.device_class, 'connectivity');
    assert.equal(gwConf.state_topic, 'lb/test-gw/status');
    assert.deepEqual(gwConf.device.identifiers, [conf.device.via_device]);
    await fresh.close();
  } finally {
    gw.kill('SIGTERM');
    await gw.exited;
    await sub.close().catch(() => undefined);
    await sub2?.close().catch(() => undefined);
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
