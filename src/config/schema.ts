import {
  array, boolean, byteSize, ConfigError, hex, integer, maybe, object, oneOf, optional, string, type V,
} from './validate';

const name = string({ pattern: /^[a-z][a-z0-9_-]{0,31}$/, what: 'a short name like lora0 (a-z, 0-9, _ -)' });
const endpoint = string({ pattern: /^(tcp|ipc|inproc):\/\/\S+$/, what: 'a ZeroMQ endpoint like tcp://127.0.0.1:5556' });
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[^\s:]+):([0-9]|[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;
const hostPort = string({
  pattern: HOST_PORT,
  what: 'host:port like 0.0.0.0:1700 (port 0-65535)',
});

/**
 * `web.bind`: "" (off), host:port, or a bare port (then loopback only: the page is for this
 * machine unless a host is named on purpose).
 */
const webBind: V<string> = (value, path) => {
  if (value === '') return '';
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const port = Number(value);
    if (Number.isInteger(port) && port >= 0 && port <= 65_535) return `127.0.0.1:${port}`;
    throw new ConfigError(path, value, 'a port 0-65535, host:port like 127.0.0.1:8080, or "" (off)');
  }
  return string({ pattern: HOST_PORT, what: 'host:port like 127.0.0.1:8080, a port, or "" (off)' })(value, path);
};

const webDefaults = {
  bind: '', token_file: undefined, max_connections: 32, headers_timeout_ms: 10_000, request_timeout_ms: 30_000,
  max_devices: 512, history_points: 60, stream_buffer_bytes: 256 * 1024,
};

/** What a gateway id may hold (one subject token: `<prefix>.<gw>.<radio>.<dev>`). */
export const GATEWAY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A NATS server URL without credentials (they go in the credential files). */
const natsUrl = string({
  redact: /@/,
  pattern: /^(nats|tls):\/\/([^\s/@:[\]]+|\[[0-9a-fA-F:]+\])(:([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?\/?$/,
  what: 'nats://host:port or tls://host:port (credentials go in user/password_file, token_file, nkey_file or creds_file)',
});

/** One URL or a list of cluster URLs; all `tls://` or none. */
const natsUrls: V<string[]> = (value, path) => {
  const list = Array.isArray(value) ? value.map((v, i) => natsUrl(v, `${path}[${i}]`)) : [natsUrl(value, path)];
  if (list.length === 0 || list.length > 32) throw new ConfigError(path, value, 'one URL or a list of 1-32 URLs');
  const tls = list.filter((u) => u.startsWith('tls:')).length;
  if (tls !== 0 && tls !== list.length) throw new ConfigError(path, value, 'URLs that are all tls:// or all nats://');
  return list;
};

const natsUpstreamKeys = object({
  url: natsUrls,
  stream: optional(string({ pattern: /^[A-Za-z0-9_-]{1,64}$/, what: 'a stream name of 1-64 letters, digits, _ or -' }), 'LOWBAND'),
  subject_prefix: optional(
    string({ pattern: /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, maxLength: 128, what: 'subject tokens (letters, digits, _ -) joined by dots, no wildcards' }),
    'lowband',
  ),
  duplicate_window_s: optional(integer({ min: 1, max: 7 * 86_400 }), 120),
  window: optional(integer({ min: 1, max: 100_000 }), 1000),
  /** Replicas of the stream when lowband creates it (a cluster of 3 takes 3). */
  replicas: optional(integer({ min: 1, max: 5 }), 1),
  ack_timeout_ms: optional(integer({ min: 100, max: 600_000 }), 5000),
  reconnect_min_ms: optional(integer({ min: 10, max: 600_000 }), 250),
  reconnect_max_ms: optional(integer({ min: 10, max: 3_600_000 }), 10_000),
  user: maybe(string()),
  password_file: maybe(string()),
  token_file: maybe(string()),
  nkey_file: maybe(string()),
  creds_file: maybe(string()),
  ca_file: maybe(string()),
  cert_file: maybe(string()),
  key_file: maybe(string()),
});

/** `upstream.nats`, with the rules that span its keys (one way to authenticate, cert with key). */
const natsUpstream: V<ReturnType<typeof natsUpstreamKeys>> = (value, path) => {
  const n = natsUpstreamKeys(value, path);
  const ways = [n.user !== undefined || n.password_file !== undefined, n.token_file, n.nkey_file, n.creds_file].filter(Boolean).length;
  if (ways > 1) throw new ConfigError(path, undefined, 'one way to authenticate: user + password_file, token_file, nkey_file or creds_file');
  if ((n.user === undefined) !== (n.password_file === undefined)) {
    throw new ConfigError(`${path}.${n.user === undefined ? 'user' : 'password_file'}`, undefined, 'user and password_file together');
  }
  if ((n.cert_file === undefined) !== (n.key_file === undefined)) {
    throw new ConfigError(`${path}.${n.cert_file === undefined ? 'cert_file' : 'key_file'}`, undefined, 'cert_file and key_file together (a client certificate)');
  }
  if (n.reconnect_min_ms > n.reconnect_max_ms) throw new ConfigError(`${path}.reconnect_max_ms`, n.reconnect_max_ms, `at least reconnect_min_ms (${n.reconnect_min_ms})`);
  return n;
};

export const MODEMS = ['rn2483', 'rn2903', 'rak3172', 'wio-e5'] as const;

const loraModem = object({
  name,
  port: string({ what: 'a serial device path or "auto"' }),
  /** Ports `port: auto` probes (default /dev/serial/by-id/*, /dev/ttyUSB*, /dev/ttyACM*). */
  candidates: maybe(array(string())),
  modem: optional(oneOf(MODEMS), 'rn2483' as (typeof MODEMS)[number]),
  baud: maybe(integer({ min: 1200, max: 4_000_000 })),
  /** Receive liveness: an armed modem silent this long is probed; unanswered, it is `deaf`, re-armed, then reopened. */
  liveness_s: optional(integer({ min: 1, max: 3600 }), 5),
  radio: optional(
    object({
      freq: optional(integer({ min: 137_000_000, max: 1_020_000_000 }), 868_100_000),
      sf: optional(integer({ min: 5, max: 12 }), 7),
      bw: optional(oneOf([125, 250, 500] as const), 125 as 125 | 250 | 500),
      cr: optional(oneOf(['4/5', '4/6', '4/7', '4/8'] as const), '4/5' as const),
    }),
    { freq: 868_100_000, sf: 7, bw: 125, cr: '4/5' as const },
  ),
});

const udpIngest = object({
  name,
  bind: hostPort,
  /** Forward packets whose CRC failed (counted either way). */
  forward_crc_errors: optional(boolean(), false),
});

const lorawanDevice = object({
  devaddr: hex(4),
  nwkskey: hex(16),
  appskey: hex(16),
  codec: optional(string({ what: 'cayenne | raw | a path to a decodeUplink() JavaScript file' }), 'raw'),
  name: maybe(string()),
});

export const configSchema = object({
  // The id is one token of NATS subjects and MQTT topics: no dots, no wildcards.
  gateway: optional(object({ id: maybe(string({ pattern: GATEWAY_ID, what: 'an id of 1-64 letters, digits, _ or - (no dots)' })) }), {
    id: undefined,
  }),
  state_dir: optional(string(), '/var/lib/lowband'),
  lora: optional(array(loraModem, { max: 16 }), []),
  udp: optional(array(udpIngest, { max: 8 }), []),
  lorawan: optional(
    object({
      devices: optional(array(lorawanDevice), []),
      drop_mic_failures: optional(boolean(), false),
      codec_timeout_ms: optional(integer({ min: 1, max: 10_000 }), 50),
    }),
    { devices: [], drop_mic_failures: false, codec_timeout_ms: 50 },
  ),
  ble: optional(
    object({
      enabled: optional(boolean(), true),
      hci: optional(integer({ min: 0, max: 15 }), 0),
      forward: optional(oneOf(['paired', 'all'] as const), 'paired' as const),
      min_rssi: optional(integer({ min: -127, max: 20 }), -100),
      watchdog_s: optional(integer({ min: 5, max: 86_400 }), 120),
      max_devices: optional(integer({ min: 16, max: 1_000_000 }), 2048),
      /** Play emulated sensors through noble's code instead of opening hciN (demos, tests). */
      emulate: optional(boolean(), false),
    }),
    { enabled: true, hci: 0, forward: 'paired' as const, min_rssi: -100, watchdog_s: 120, max_devices: 2048, emulate: false },
  ),
  dedup: optional(
    object({
      /** Same key seen again within this window is forwarded once (0 disables). */
      window_ms: optional(integer({ min: 0, max: 3_600_000 }), 2000),
      /** A run of identical payloads ends after this silence. */
      run_gap_ms: optional(integer({ min: 0, max: 86_400_000 }), 10_000),
      /** ... or after this long, so a never-changing sensor still reports. */
      run_max_ms: optional(integer({ min: 1000, max: 86_400_000 }), 300_000),
    }),
    { window_ms: 2000, run_gap_ms: 10_000, run_max_ms: 300_000 },
  ),
  upstream: optional(
    object({
      publish: optional(
        object({
          bind: optional(array(endpoint), ['tcp://127.0.0.1:5556']),
          connect: optional(array(endpoint), []),
          hwm: optional(integer({ min: 1, max: 10_000_000 }), 10_000),
          queue_messages: optional(integer({ min: 1, max: 10_000_000 }), 10_000),
          queue_bytes: optional(byteSize({ min: 1024 }), 16 * 1024 * 1024),
          overflow: optional(oneOf(['drop-oldest', 'drop-newest'] as const), 'drop-oldest' as const),
          linger_ms: optional(integer({ min: 0, max: 60_000 }), 500),
          /** true: a full subscriber pipe fails the send and the drop is counted (for every subscriber);
           *  false: libzmq drops per subscriber, silently, and healthy subscribers are unaffected. */
          count_drops: optional(boolean(), true),
        }),
        () => ({
          bind: ['tcp://127.0.0.1:5556'], connect: [], hwm: 10_000, queue_messages: 10_000,
          queue_bytes: 16 * 1024 * 1024, overflow: 'drop-oldest' as const, linger_ms: 500, count_drops: true,
        }),
      ),
      reliable: maybe(
        object({
          connect: endpoint,
          window: optional(integer({ min: 1, max: 100_000 }), 1000),
          ack_timeout_ms: optional(integer({ min: 10, max: 3_600_000 }), 5000),
        }),
      ),
      mqtt: maybe(
        object({
          // No user:password@ in the URL: it would be echoed wherever the URL is; use username/password_file.
          url: string({ redact: /@/, pattern: /^mqtts?:\/\/([^\s/@:[\]]+|\[[0-9a-fA-F:]+\])(:([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?\/?$/, what: 'mqtt://host:port or mqtts://host:port (port 1-65535; credentials go in username and password_file)' }),
          topic_prefix: optional(string({ pattern: /^[^#+\s]+$/, what: 'a topic prefix without wildcards' }), 'lowband'),
          homeassistant: optional(boolean(), true),
          discovery_prefix: optional(string(), 'homeassistant'),
          // iBeacon/Eddystone tags are often someone else's: no HA devices for them unless asked.
          announce_beacons: optional(boolean(), false),
          client_id: maybe(string()),
          username: maybe(string()),
          password: maybe(string()),
          password_file: maybe(string()),
          ca_file: maybe(string()),
          cert_file: maybe(string()),
          key_file: maybe(string()),
          protocol_version: optional(oneOf([4, 5] as const), 4 as 4 | 5),
          // Packet ids are 16-bit; headroom stays for status and discovery publishes.
          window: optional(integer({ min: 1, max: 65_000 }), 100),
          keepalive_s: optional(integer({ min: 0, max: 65_535 }), 30),
        }),
      ),
      nats: maybe(natsUpstream),
      curve: maybe(
        object({
          secret_key_file: string(),
          allowed_clients_file: maybe(string()),
          server_key: maybe(string({ pattern: /^[0-9A-Za-z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/, what: 'a 40-character Z85 public key' })),
        }),
      ),
    }),
    () => ({
      publish: {
        bind: ['tcp://127.0.0.1:5556'], connect: [], hwm: 10_000, queue_messages: 10_000,
        queue_bytes: 16 * 1024 * 1024, overflow: 'drop-oldest' as const, linger_ms: 500, count_drops: true,
      },
      reliable: undefined, mqtt: undefined, nats: undefined, curve: undefined,
    }),
  ),
  spool: optional(
    object({
      max_bytes: optional(byteSize({ min: 64 * 1024 }), 64 * 1024 * 1024),
      fsync_ms: optional(integer({ min: 0, max: 60_000 }), 200),
      segment_bytes: optional(byteSize({ min: 4096 }), 4 * 1024 * 1024),
    }),
    { max_bytes: 64 * 1024 * 1024, fsync_ms: 200, segment_bytes: 4 * 1024 * 1024 },
  ),
  control: optional(object({ socket: optional(string(), '/run/lowband/control.sock') }), {
    socket: '/run/lowband/control.sock',
  }),
  web: optional(
    object({
      bind: optional(webBind, ''),
      /** A file holding the pairing token; absent: the page is read-only. */
      token_file: maybe(string()),
      max_connections: optional(integer({ min: 2, max: 4096 }), 32),
      /** Slowloris bound: a request's headers must be complete within this. */
      headers_timeout_ms: optional(integer({ min: 500, max: 600_000 }), 10_000),
      request_timeout_ms: optional(integer({ min: 500, max: 600_000 }), 30_000),
      /** Devices shown (least recently heard forgotten first). */
      max_devices: optional(integer({ min: 1, max: 100_000 }), 512),
      /** Sparkline points kept per device and numeric field. */
      history_points: optional(integer({ min: 2, max: 10_000 }), 60),
      /** Unsent bytes a live-stream client may hold before it is cut. */
      stream_buffer_bytes: optional(byteSize({ min: 4096 }), 256 * 1024),
    }),
    webDefaults,
  ),
  stats: optional(object({ interval_s: optional(integer({ min: 0, max: 86_400 }), 60) }), { interval_s: 60 }),
  log: optional(
    object({ level: optional(oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const), 'info' as const) }),
    { level: 'info' as const },
  ),
  shutdown: optional(object({ drain_ms: optional(integer({ min: 0, max: 60_000 }), 2000) }), { drain_ms: 2000 }),
});

/** The validated configuration, every default filled in. */
export type Config = ReturnType<typeof configSchema>;
