/**
 * MQTT sink throughput: MemoryLog -> MqttSink -> local mosquitto (QoS 1, persistent session),
 * for a few window sizes and both protocol versions, plus the payload encoding cost alone.
 * Run: `npx tsx bench/mqtt.ts` (needs /usr/sbin/mosquitto).
 */
import pino from 'pino';
import { MemoryLog } from '../src/pipeline/memory-log';
import type { LogEntry } from '../src/pipeline/message-log';
import { MqttSink } from '../src/sinks/mqtt/sink';
import { toMqttMessage } from '../src/sinks/mqtt/payload';
import { encodeFrames, Kind, RadioCode } from '../src/wire/message';
import { Mosquitto, until } from '../test/mqtt/mosquitto';
import { mqttConfig } from '../test/mqtt/fixtures';

function message(seq: bigint): LogEntry {
  const key = Buffer.alloc(16);
  key.writeBigUInt64BE(seq, 8);
  return {
    seq,
    frames: encodeFrames('ble/a4c138d5d498', Kind.reading, RadioCode.ble, 1, seq, 1_700_000_000_000_000n + seq, key, {
      gw: 'bench-gw', dev: 'a4c138d5d498', src: 'ble0', raw: Buffer.alloc(24, 7), rssi: -71, fmt: 'bthome',
      fields: { temperature: 21.5, humidity: 48.2, battery: 97 },
    }),
  };
}

async function run(broker: Mosquitto, n: number, window: number, pv: 4 | 5): Promise<number> {
  const log = new MemoryLog();
  const cursor = log.openCursor('mqtt', { maxMessages: n + 1, maxBytes: 1 << 30, overflow: 'drop-oldest' });
  const sink = new MqttSink(
    mqttConfig({ url: `mqtt://127.0.0.1:${broker.port}`, window, protocol_version: pv, client_id: `bench-${pv}-${window}`, topic_prefix: 'bench' }),
    'bench-gw', pino({ level: 'silent' }),
  );
  await sink.start(cursor);
  await until(() => sink.status().state === 'connected', 'connected');
  const entries = Array.from({ length: n }, (_, i) => message(BigInt(i + 1)));
  const t0 = process.hrtime.bigint();
  for (const e of entries) log.append(e);
  await until(() => cursor.committed === BigInt(n), 'all PUBACKed', 120_000);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await sink.stop(1000);
  await log.close();
  return n / s;
}

export async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? 50_000);
  const enc = 200_000;
  const frames = message(1n).frames;
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < enc; i++) toMqttMessage(frames, 'lowband', 'bench-gw');
  console.log(`payload: decode + JSON ${Math.round(enc / (Number(process.hrtime.bigint() - t0) / 1e9)).toLocaleString()} msg/s`);
  const broker = await Mosquitto.start();
  try {
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
