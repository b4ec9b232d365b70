/** `upstream.mqtt` turned into what a connection needs: endpoint, TLS material, CONNECT packet. */
import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import type { IConnectPacket } from 'mqtt-packet';
import type { Config } from '../../config/schema';
import { statusTopic } from './payload';

/** The validated `upstream.mqtt` section. */
export type MqttConfig = NonNullable<Config['upstream']['mqtt']>;

/** Tuning not exposed in the config file (tests shorten them). */
export interface MqttTuning {
  /** First reconnect delay; doubles per failure up to reconnectMaxMs, with jitter. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** How long to wait for CONNACK (and the TCP/TLS handshake) before giving up on an attempt. */
  connectTimeoutMs: number;
  /** MQTT 5 session lifetime on the broker after a disconnect. */
  sessionExpiryS: number;
  /** Bound of the "already announced" Home Assistant set. */
  maxAnnounced: number;
  /** First retry delay of a publish refused for a temporary reason (MQTT 5 PUBACK); doubles up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
}

/** Defaults for MqttTuning. */
export const DEFAULT_TUNING: MqttTuning = {
  reconnectMinMs: 500,
  reconnectMaxMs: 30_000,
  connectTimeoutMs: 10_000,
  sessionExpiryS: 7 * 24 * 3600,
  maxAnnounced: 4096,
  retryMinMs: 1000,
  retryMaxMs: 60_000,
};

/** A config that cannot work (unreadable file); thrown by start(). */
export class MqttConfigError extends Error {}

/** Everything one connection attempt needs. */
export interface MqttEndpoint {
  tls: boolean;
  host: string;
  port: number;
  /** `host:port` for status and logs. */
  broker: string;
  tlsOptions: ConnectionOptions;
  connect: IConnectPacket;
  protocolVersion: 4 | 5;
}

function readFile(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new MqttConfigError(`upstream.mqtt.${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Parses `mqtt://host:port` / `mqtts://host:port` (IPv6 in brackets). */
export function parseBrokerUrl(url: string): { tls: boolean; host: string; port: number } {
  const m = /^(mqtts?):\/\/(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?\/?$/.exec(url);
  if (!m) throw new MqttConfigError(`upstream.mqtt.url: expected mqtt://host:port or mqtts://host:port, got ${JSON.stringify(url)}`);
  const tls = m[1] === 'mqtts';
  const host = m[2].replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : tls ? 8883 : 1883;
  if (port < 1 || port > 65535) throw new MqttConfigError(`upstream.mqtt.url: port ${port} out of range`);
  return { tls, host, port };
}

/** Builds the endpoint; reads password_file and TLS files now so a bad path fails at start. */
export function resolveEndpoint(cfg: MqttConfig, gatewayId: string, tuning: MqttTuning): MqttEndpoint {
  const { tls, host, port } = parseBrokerUrl(cfg.url);
  const protocolVersion = cfg.protocol_version === 5 ? 5 : 4;
  let password: Buffer | undefined;
  if (cfg.password_file) password = Buffer.from(readFile('password_file', cfg.password_file).toString('utf8').replace(/\r?\n$/, ''));
  else if (cfg.password != null) password = Buffer.from(cfg.password);
  if (password && cfg.username == null) throw new MqttConfigError('upstream.mqtt: a password needs a username');

  const tlsOptions: ConnectionOptions = { host, port };
  if (isIP(host) === 0) tlsOptions.servername = host;
  if (cfg.ca_file) tlsOptions.ca = readFile('ca_file', cfg.ca_file);
  if (cfg.cert_file || cfg.key_file) {
    if (!cfg.cert_file || !cfg.key_file) throw new MqttConfigError('upstream.mqtt: cert_file and key_file go together');
    tlsOptions.cert = readFile('cert_file', cfg.cert_file);
    tlsOptions.key = readFile('key_file', cfg.key_file);
  }
  if (!tls && (cfg.ca_file || cfg.cert_file)) throw new MqttConfigError('upstream.mqtt: ca_file/cert_file need an mqtts:// url');
  if (tls) {
    // Bad PEM would otherwise throw inside tls.connect on every reconnect; fail once, at start.
    try {
      createSecureContext({ ca: tlsOptions.ca, cert: tlsOptions.cert, key: tlsOptions.key });
    } catch (err) {
      throw new MqttConfigError(`upstream.mqtt: unusable TLS files (ca_file/cert_file/key_file): ${(err as Error).message}`);
    }
  }

  // A stable client id is what makes the broker keep our session. Not cut to MQTT 3.1.1's
  // guaranteed 23 characters: two gateways sharing a prefix would take over each other's session,
  // and common brokers accept longer ids (set client_id for one that does not).
  const clientId = cfg.client_id ?? `lowband-${gatewayId}`;
  const connect: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion,
    clientId,
    clean: false,
    keepalive: cfg.keepalive_s,
    will: { topic: statusTopic(cfg.topic_prefix, gatewayId), payload: Buffer.from('offline'), qos: 1, retain: true },
  };
  if (cfg.username != null) connect.username = cfg.username;
  if (password) connect.password = password;
  if (protocolVersion === 5) {
    connect.properties = { sessionExpiryInterval: tuning.sessionExpiryS, receiveMaximum: 65535 };
  }
  return { tls, host, port, broker: `${host.includes(':') ? `[${host}]` : host}:${port}`, tlsOptions, connect, protocolVersion };
}
