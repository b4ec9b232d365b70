/** Log entries and logs for MQTT sink tests. */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { MemoryLog } from '../../../src/pipeline/memory-log';
import type { LogEntry } from '../../../src/pipeline/message-log';
import { encodeFrames, Flag, Kind, RadioCode } from '../../../src/wire/message';
import type { MqttConfig } from '../../../src/sinks/mqtt/options';

/** The 16-byte key of test reading `seq`. */
export function keyOf(seq: bigint): Buffer {
  return createHash('sha256').update(`reading-${seq}`).digest().subarray(0, 16);
}

/** A BLE reading with temperature/humidity/battery. */
export function reading(seq: bigint, dev = 'a4c138d5d498', fields: Record<string, number | boolean | string> = { temperature: 21.5, humidity: 48, battery: 97 }, flags = Flag.decoded): LogEntry {
  const frames = encodeFrames(`ble/${dev}`, Kind.reading, RadioCode.ble, flags, seq, 1_764_410_400_123_456n + seq, keyOf(seq), {
    gw: 'gw1', dev, src: 'ble0', raw: Buffer.from('0201061a', 'hex'), rssi: -67, fmt: 'bthome', fields,
  });
  return { seq, frames };
}

/** A fresh in-memory log and one cursor on it. */
export function memoryLog(): { log: MemoryLog; cursor: ReturnType<MemoryLog['openCursor']> } {
  const log = new MemoryLog();
  return { log, cursor: log.openCursor('mqtt', { maxMessages: 1_000_000, maxBytes: 1 << 30, overflow: 'drop-oldest' }) };
}

/** `upstream.mqtt` with defaults filled in, as the config validator would. */
export function mqttConfig(over: Partial<MqttConfig>): MqttConfig {
  return {
    url: 'mqtt://127.0.0.1:1883', topic_prefix: 'lowband', homeassistant: true, discovery_prefix: 'homeassistant',
    client_id: undefined, username: undefined, password: undefined, password_file: undefined,
    ca_file: undefined, cert_file: undefined, key_file: undefined, protocol_version: 4, window: 100, keepalive_s: 30,
    ...over,
  } as MqttConfig;
}

/** A logger whose lines the test can read. */
export function memLogger(): { logger: pino.Logger; text: () => string } {
  const lines: string[] = [];
  const dest = new Writable({ write(chunk, _e, cb) { lines.push(chunk.toString()); cb(); } });
  return { logger: pino({ level: 'debug' }, dest), text: () => lines.join('') };
}

/** Short reconnect delays for tests. */
export const FAST = { reconnectMinMs: 50, reconnectMaxMs: 400, connectTimeoutMs: 5000 };
