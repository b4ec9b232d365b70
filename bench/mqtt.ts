/**
 * MQTT sink throughput: MemoryLog -> MqttSink -> local mosquitto (QoS 1, persistent session),
 * for a few window sizes and both protocol versions, plus the payload encoding cost alone.
 * Run: `npx tsx bench/mqtt.ts` (needs /usr/sbin/mosquitto).
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import pino from 'pino';
import { MemoryLog } from '../src/pipeline/memory-log';
import { MqttSink } from '../src/sinks/mqtt/sink';
import { toMqttMessage } from '../src/sinks/mqtt/payload';
import { Mosquitto, until } from '../test/sinks/mqtt/mosquitto';
import { mqttConfig } from '../test/sinks/mqtt/fixtures';
import { benchMessage } from './reliable';


async function run(broker: Mosquitto, n: number, window: number, pv: 4 | 5): Promise<number> {
  const log = new MemoryLog();
  const cursor = log.openCursor('mqtt', { maxMessages: n + 1, maxBytes: 1 << 30, overflow: 'drop-oldest' });
  const sink = new MqttSink(
    mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, window, protocol_version: pv, client_id: `bench-${pv}-${window}`, topic_prefix: 'bench' }),
    'bench-gw', pino({ level: 'silent' }),
  );
  await sink.start(cursor);
  await until(() => sink.status().state === 'connected', 'connected');
  const entries = Array.from({ length: n }, (_, i) => benchMessage(BigInt(i + 1)));
  const t0 = process.hrtime.bigint();
  for (const e of entries) log.append(e);
  await until(() => cursor.committed === BigInt(n), 'all PUBACKed', 120_000);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await sink.stop(1000);
  await log.close();
  return n / s;
}

/**
 * Baseline: a bare mqtt-packet client publishing prebuilt payloads of the same size at QoS 1
 * with the same window, no log, no cursor, no JSON: what the broker and socket allow.
 */
async function rawBaseline(broker: Mosquitto, n: number, window: number, payload: Buffer): Promise<number> {
  const sock = net.connect(broker.port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let acked = 0;
  let sent = 0;
  let t0 = 0n;
  const done = new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (sent < n && sent - acked < window) {
        sent++;
        sock.write(mqttPacket.generate({ cmd: 'publish', topic: 'raw/bench', payload, qos: 1, messageId: (sent % 65535) + 1, retain: false, dup: false }));
      }
    };
    parser.on('packet', (p) => {
      if (p.cmd === 'connack') {
        t0 = process.hrtime.bigint();
        pump();
      } else if (p.cmd === 'puback') {
        acked++;
        if (acked === n) resolve();
        else pump();
      }
    });
    sock.on('data', (d) => parser.parse(d));
    sock.on('error', reject);
  });
  sock.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'bench-raw', clean: true, keepalive: 30 }));
  await done;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  sock.destroy();
  return n / secs;
}

export async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? 50_000);
  const enc = 200_000;
  const frames = benchMessage(1n).frames;
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < enc; i++) toMqttMessage(frames, 'lowband', 'bench-gw');
  console.log(`payload: decode + JSON ${Math.round(enc / (Number(process.hrtime.bigint() - t0) / 1e9)).toLocaleString()} msg/s`);
  const broker = await Mosquitto.start();
  try {
    const payload = toMqttMessage(frames, 'lowband', 'bench-gw').payload;
    const raw = await rawBaseline(broker, n, 100, Buffer.from(payload));
    console.log(`mqtt raw mqtt-packet QoS 1 window  100: ${Math.round(raw).toLocaleString()} msg/s (baseline: prebuilt ${payload.length} B payloads, no spool/cursor/JSON)`);
    for (const pv of [4, 5] as const) {
      for (const window of [10, 100, 1000]) {
        t0 = process.hrtime.bigint();
        const rate = await run(broker, n, window, pv);
        console.log(`mqtt ${pv === 5 ? '5    ' : '3.1.1'} QoS 1 window ${String(window).padStart(4)}: ${Math.round(rate).toLocaleString()} msg/s (${n} messages, cursor committed on PUBACK)`);
      }
    }
  } finally {
    await broker.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
