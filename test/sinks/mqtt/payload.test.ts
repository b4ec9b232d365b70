import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrames, Flag, Kind, RadioCode, decodeFrames } from '../../../src/wire/message';
import { isoTimeUs, messageJson, mqttTopic, toMqttMessage } from '../../../src/sinks/mqtt/payload';
import { AnnouncedSet, discoveryConfigs } from '../../../src/sinks/mqtt/discovery';
import { parseBrokerUrl, resolveEndpoint, DEFAULT_TUNING } from '../../../src/sinks/mqtt/options';
import { keyOf, mqttConfig, reading } from './fixtures';

test('JSON payload: key hex, seq, ISO time with µs, rssi, fmt, fields, raw hex, topic <prefix>/<gw>/<radio>/<dev>', () => {
  const m = toMqttMessage(reading(7n).frames, 'lowband', 'gw1');
  assert.equal(m.topic, 'lowband/gw1/ble/a4c138d5d498');
  const j = JSON.parse(m.payload.toString());
  assert.equal(j.key, keyOf(7n).toString('hex'));
  assert.equal(j.seq, 7);
  assert.equal(j.time, '2025-11-29T10:00:00.123463Z');
  assert.equal(j.rssi, -67);
  assert.equal(j.fmt, 'bthome');
  assert.deepEqual(j.fields, { temperature: 21.5, humidity: 48, battery: 97 });
  assert.equal(j.raw, '0201061a');
  assert.equal(j.dev, 'a4c138d5d498');
  assert.equal(j.redelivery, undefined);
});

test('seq beyond 2^53 is a string; redelivery flag shows; LoRaWAN map kept; sys events go to sys/<event>', () => {
  const big = 2n ** 60n + 1n;
  const frames = encodeFrames('lora/49be7df1', Kind.reading, RadioCode.lora, Flag.redelivery | Flag.decoded, big, 1n, Buffer.alloc(16, 1), {
    gw: 'gw1', dev: '49be7df1', src: 'udp0', raw: Buffer.from([0x40, 1]), snr: 7.5, freq: 868100000, dr: 'SF7BW125',
    lorawan: { mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 3, fport: 1, adr: true, ack: false },
  });
  const j = messageJson(decodeFrames(frames));
  assert.equal(j.seq, big.toString());
  assert.equal(j.redelivery, true);
  assert.equal(j.snr, 7.5);
  assert.deepEqual(j.lorawan, { mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 3, fport: 1, adr: true, ack: false });
  assert.equal(isoTimeUs(1n), '1970-01-01T00:00:00.000001Z');
  const sys = encodeFrames('sys/stats', Kind.event, RadioCode.sys, 0, 9n, 1n, Buffer.alloc(16), { gw: 'gw1', dev: 'stats', src: 'gateway', uptime_s: 5 });
  assert.equal(toMqttMessage(sys, 'lb', 'gw1').topic, 'lb/gw1/sys/stats');
  assert.equal(mqttTopic('lb', 'g+w#', 'ble/x'), 'lb/g_w_/ble/x');
});

test('isoTimeUs: the same text as Date arithmetic for times on both sides of second, day and year boundaries, and past 2^53 µs', () => {
  // Reference: whole milliseconds through Date, the last three digits from the µs remainder.
  const reference = (us: bigint) => `${new Date(Number(us / 1000n)).toISOString().slice(0, -1)}${String(us % 1000n).padStart(3, '0')}Z`;
  const edges = [0n, 1n, 999_999n, 1_000_000n, 1_000_001n, 1_767_225_599_999_999n, 1_767_225_600_000_000n, 1_764_633_600_123_456n];
  let seed = 3;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const times = [...edges];
  for (let i = 0; i < 2000; i++) times.push(1_764_633_600_000_000n + BigInt(Math.floor(rnd() * 3_000_000)));
  // Out of order too: the cached second must not leak into another one.
  for (let i = 0; i < 500; i++) times.push(times[Math.floor(rnd() * times.length)]);
  for (const t of times) assert.equal(isoTimeUs(t), reference(t), String(t));
  const beyond = 2n ** 53n + 7n; // year 2255: the general path
  assert.equal(isoTimeUs(beyond), reference(beyond));
});

test('Home Assistant discovery: sensor/binary_sensor configs with units, classes, device block, availability', () => {
  const m = decodeFrames(reading(1n, 'a4c138d5d498', { temperature: 21.5, humidity: 48, pm25: 3, temperature_2: 19, motion: true, measurement_seq: 4, label: 'x' }).frames);
  const cfgs = discoveryConfigs(m, { discoveryPrefix: 'homeassistant', topicPrefix: 'lowband', gatewayId: 'gw1' });
  const by = new Map(cfgs.map((c) => [c.topic, JSON.parse(c.payload.toString())]));
  const t = by.get('homeassistant/sensor/gw1_a4c138d5d498/temperature/config');
  assert.ok(t);
  assert.equal(t.unit_of_measurement, '°C');
  assert.equal(t.device_class, 'temperature');
  assert.equal(t.state_class, 'measurement');
  assert.equal(t.state_topic, 'lowband/gw1/ble/a4c138d5d498');
  assert.equal(t.value_template, "{{ value_json.fields['temperature'] }}");
  assert.equal(t.availability_topic, 'lowband/gw1/status');
  assert.equal(t.unique_id, 'lowband_gw1_a4c138d5d498_temperature');
  assert.deepEqual(t.device.identifiers, ['lowband_gw1_a4c138d5d498']);
  assert.equal(t.device.model, 'BTHome sensor');
  assert.equal(t.device.manufacturer, 'BTHome');
  assert.equal(t.device.via_device, 'lowband_gw1');
  assert.equal(by.get('homeassistant/sensor/gw1_a4c138d5d498/temperature_2/config').device_class, 'temperature');
  assert.equal(by.get('homeassistant/sensor/gw1_a4c138d5d498/pm25/config').unit_of_measurement, 'µg/m³');
  assert.equal(by.get('homeassistant/sensor/gw1_a4c138d5d498/humidity/config').unit_of_measurement, '%');
  const motion = by.get('homeassistant/binary_sensor/gw1_a4c138d5d498/motion/config');
  assert.equal(motion.device_class, 'motion');
  assert.equal(motion.payload_on, 'True');
  assert.equal(motion.state_class, undefined);
  const rssi = by.get('homeassistant/sensor/gw1_a4c138d5d498/rssi/config');
  assert.equal(rssi.device_class, 'signal_strength');
  assert.equal(rssi.value_template, "{{ value_json['rssi'] }}");
  const label = by.get('homeassistant/sensor/gw1_a4c138d5d498/label/config');
  assert.equal(label.state_class, undefined, 'text sensors have no state class');
  assert.equal(by.has('homeassistant/sensor/gw1_a4c138d5d498/measurement_seq/config'), false);

  const sys = decodeFrames(encodeFrames('sys/stats', Kind.event, RadioCode.sys, 0, 9n, 1n, Buffer.alloc(16), { gw: 'gw1', dev: 'stats', src: 'g' }));
  assert.deepEqual(discoveryConfigs(sys, { discoveryPrefix: 'homeassistant', topicPrefix: 'lowband', gatewayId: 'gw1' }), []);
});

test('announced set is a bounded LRU', () => {
  const s = new AnnouncedSet(3);
  assert.ok(s.add('a') && s.add('b') && s.add('c'));
  assert.equal(s.add('a'), false);
  assert.ok(s.add('d')); // evicts b (least recently used)
  assert.equal(s.size, 3);
  assert.ok(s.add('b'));
  assert.equal(s.add('a'), false);
  s.clear();
  assert.ok(s.add('a'));
});

test('broker URL and options: defaults, TLS ports, file errors are clear', () => {
  assert.deepEqual(parseBrokerUrl('mqtt://broker.lan'), { tls: false, host: 'broker.lan', port: 1883 });
  assert.deepEqual(parseBrokerUrl('mqtts://[::1]:8884/'), { tls: true, host: '::1', port: 8884 });
  assert.throws(() => parseBrokerUrl('http://x'), /mqtt:\/\/host:port/);
  const ep = resolveEndpoint(mqttConfig({ url: 'mqtts://broker.lan' }), 'pi-garden', DEFAULT_TUNING);
  assert.equal(ep.port, 8883);
  assert.equal(ep.tlsOptions.servername, 'broker.lan');
  assert.equal(ep.connect.clientId, 'lowband-pi-garden');
  assert.equal(ep.connect.clean, false);
  assert.throws(() => resolveEndpoint(mqttConfig({ url: 'mqtts://x', ca_file: '/nonexistent/ca.pem' }), 'g', DEFAULT_TUNING), /upstream\.mqtt\.ca_file: cannot read \/nonexistent\/ca\.pem: ENOENT/);
  assert.throws(() => resolveEndpoint(mqttConfig({ password: 'p' }), 'g', DEFAULT_TUNING), /needs a username/);
});

test('unusable TLS files are refused at start, not on every reconnect', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lowband-badpem-'));
  try {
    await writeFile(path.join(dir, 'ca.pem'), 'not a certificate');
    await writeFile(path.join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    assert.throws(
      () => resolveEndpoint(mqttConfig({ url: 'mqtts://x', ca_file: path.join(dir, 'ca.pem'), cert_file: path.join(dir, 'ca.pem'), key_file: path.join(dir, 'key.pem') }), 'g', DEFAULT_TUNING),
      /unusable TLS files/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Decodes the Jinja string literal of `{{ value_json.fields['…'] }}` (only the escapes haId/jinjaString emit). */
function templateField(t: string): string | undefined {
  const m = /^\{\{ value_json\.fields\['((?:[a-zA-Z0-9_ .:-]|\\u[0-9a-f]{4}|\\U[0-9a-f]{8})*)'\] \}\}$/.exec(t);
  if (!m) return undefined;
  const units = m[1].replace(/\\u([0-9a-f]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  return units.replace(/\\U([0-9a-f]{8})/g, (_, h) => String.fromCodePoint(parseInt(h, 16)));
}

test('discovery with odd field names: bracket syntax with escaping; ids stay in HA\'s character set and distinct', () => {
  const odd = ['temp-c', 'temp.c', 'temp_c', "it's", 'a\\b', 'x}}y', 'line\nbreak', 'items', 'µ°C', '🌡', '{{ 1 }}'];
  const fields = Object.fromEntries(odd.map((n, i) => [n, i + 0.5]));
  const m = decodeFrames(reading(1n, 'a4c138d5d498', fields).frames);
  const cfgs = discoveryConfigs(m, { discoveryPrefix: 'homeassistant', topicPrefix: 'lowband', gatewayId: 'gw.1' }).map((c) => ({ c, j: JSON.parse(c.payload.toString()) }));
  const fieldCfgs = cfgs.filter(({ j }) => j.entity_category !== 'diagnostic');
  assert.equal(fieldCfgs.length, odd.length);
  for (const [i, { c, j }] of fieldCfgs.entries()) {
    assert.equal(templateField(j.value_template), odd[i], `template of ${JSON.stringify(odd[i])}: ${j.value_template}`);
    assert.match(j.object_id, /^[a-zA-Z0-9_-]+$/);
    assert.match(j.unique_id, /^[a-zA-Z0-9_-]+$/);
    assert.match(c.topic, /^homeassistant\/sensor\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/);
  }
  assert.equal(new Set(fieldCfgs.map(({ j }) => j.unique_id)).size, odd.length, 'temp.c and temp_c stay two entities');
  assert.equal(new Set(cfgs.map(({ c }) => c.topic)).size, cfgs.length);
  assert.equal(fieldCfgs[0].j.value_template, "{{ value_json.fields['temp-c'] }}");
});
