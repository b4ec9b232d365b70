/**
 * Home Assistant MQTT discovery: one retained config message per (device, field), so sensors
 * appear in HA without configuration. Field names follow the wire spec's table.
 */
import { createHash } from 'node:crypto';
import { BoundedMap } from '../../util/bounded-map';
import { RadioCode, Kind, type WireMessage } from '../../wire/message';
import { binaryClass, brandOf, fieldClass, isBeacon } from './ha-entities';
import { mqttTopic, statusTopic } from './payload';

/**
 * HA allows only [a-zA-Z0-9_-] in a discovery node or object id. Other names are mapped onto
 * that set plus a short hash of the original, so `temp.c` and `temp_c` stay two entities.
 */
export function haId(s: string): string {
  if (/^[a-zA-Z0-9_-]+$/.test(s)) return s;
  const hash = createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 8);
  return `${s.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64)}_${hash}`;
}

/**
 * A Jinja string literal for any field name: everything outside a plain safe set becomes a
 * \u/\U escape, so quotes, backslashes, braces and newlines cannot end the literal or the template.
 */
export function jinjaString(s: string): string {
  let out = "'";
  for (const ch of s) {
    if (/^[a-zA-Z0-9_ .:-]$/.test(ch)) {
      out += ch;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    out += cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/**
 * The value template of a body key (`fields` member or top level). Bracket syntax for the name:
 * in `value_json.fields.temp-c` the `-` is a subtraction, and Jinja's dot syntax finds dict
 * methods first (`fields.items`).
 */
export function valueTemplate(field: string, inFields: boolean): string {
  return `{{ value_json${inFields ? '.fields' : ''}[${jinjaString(field)}] }}`;
}

function prettyName(field: string): string {
  const words = field.split('_');
  return words.map((w, i) => (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join(' ').replace(/^Pm25/, 'PM2.5').replace(/^Pm10/, 'PM10').replace(/^Co2/, 'CO₂');
}

/** One retained discovery message. */
export interface DiscoveryConfig {
  /** The (device, field) identity, for the announced set. */
  id: string;
  topic: string;
  payload: Buffer;
}

/** Topic settings shared by every config. */
export interface DiscoverySettings {
  discoveryPrefix: string;
  topicPrefix: string;
  gatewayId: string;
  /** Announce iBeacon/Eddystone devices too (`upstream.mqtt.announce_beacons`); default false. */
  announceBeacons?: boolean;
}

/**
 * Configs for the entities of a reading's fields (plus its RSSI, diagnostic), in field order.
 * Beacons are left out unless asked for; deduplication counters are never announced.
 * `shouldAnnounce(id)` is asked first for each entity, so the per-reading cost for entities
 * already announced is one set lookup, not a JSON document.
 */
export function discoveryConfigs(m: WireMessage, s: DiscoverySettings, shouldAnnounce: (id: string) => boolean = () => true): DiscoveryConfig[] {
  if (m.kind !== Kind.reading || (m.radio !== RadioCode.lora && m.radio !== RadioCode.ble)) return [];
  const fields = m.body.fields;
  const dev = typeof m.body.dev === 'string' ? m.body.dev : m.topic.split('/')[1] ?? 'unknown';
  const fmt = typeof m.body.fmt === 'string' ? m.body.fmt : 'raw';
  if (isBeacon(fmt) && !s.announceBeacons) return [];
  const radio = m.radio === RadioCode.lora ? 'lora' : 'ble';
  const out: DiscoveryConfig[] = [];
  const entries: Array<[string, unknown, 'fields' | 'top']> = [];
  if (fields && typeof fields === 'object' && !Array.isArray(fields) && !Buffer.isBuffer(fields)) {
    for (const [k, v] of Object.entries(fields as Record<string, unknown>)) entries.push([k, v, 'fields']);
  }
  if (typeof m.body.rssi === 'number') entries.push(['rssi', m.body.rssi, 'top']);
  if (entries.length === 0) return out;

  const gw = haId(s.gatewayId);
  const node = `${gw}_${haId(dev)}`;
  // What every config of this device shares, made once one is due (most readings bring none).
  let shared: { stateTopic: string; device: Record<string, unknown> } | undefined;
  const sharedParts = () => {
    const brand = brandOf(fmt, radio, typeof m.body.model === 'string' && m.body.model ? m.body.model : undefined);
    const device = {
      identifiers: [`lowband_${node}`],
      // The user's label when the device was enrolled with one (as Zigbee2MQTT's friendly names), else the model.
      name: typeof m.body.name === 'string' && m.body.name ? m.body.name : `${brand.model} ${dev}`,
      model: brand.model,
      manufacturer: brand.manufacturer,
      via_device: `lowband_${gw}`,
    };
    return { stateTopic: mqttTopic(s.topicPrefix, s.gatewayId, m.topic), device };
  };
  for (const [field, value, where] of entries) {
    if (typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'string') continue;
    const cls = fieldClass(field);
    if (cls.skip) continue;
    const binary = typeof value === 'boolean';
    const component = binary ? 'binary_sensor' : 'sensor';
    const objectId = haId(field);
    const id = `${node}/${objectId}`;
    if (!shouldAnnounce(id)) continue;
    shared ??= sharedParts();
    const { stateTopic, device } = shared;
    const cfg: Record<string, unknown> = {
      name: prettyName(field),
      unique_id: `lowband_${node}_${objectId}`,
      object_id: `${node}_${objectId}`,
      state_topic: stateTopic,
      value_template: valueTemplate(field, where === 'fields'),
      availability_topic: statusTopic(s.topicPrefix, s.gatewayId),
      payload_available: 'online',
      payload_not_available: 'offline',
      device,
    };
    if (binary) {
      const dc = binaryClass(field);
      if (dc) cfg.device_class = dc;
      // Jinja renders JSON booleans as True/False.
      cfg.payload_on = 'True';
      cfg.payload_off = 'False';
    } else {
      if (cls.icon) cfg.icon = cls.icon;
      if (typeof value === 'number') {
        if (cls.deviceClass) cfg.device_class = cls.deviceClass;
        if (cls.unit) cfg.unit_of_measurement = cls.unit;
        if (cls.stateClass !== 'none') cfg.state_class = cls.stateClass ?? 'measurement';
      }
    }
    if (cls.diagnostic || where === 'top') cfg.entity_category = 'diagnostic';
    out.push({
      id,
      topic: `${s.discoveryPrefix}/${component}/${node}/${objectId}/config`,
      payload: Buffer.from(JSON.stringify(cfg)),
    });
  }
  return out;
}

/**
 * The gateway itself as a Home Assistant device with a connectivity entity fed by the retained
 * availability topic: the sensors' `via_device` points at it.
 */
export function gatewayConfig(s: DiscoverySettings): DiscoveryConfig {
  const gw = haId(s.gatewayId);
  const status = statusTopic(s.topicPrefix, s.gatewayId);
  const cfg = {
    name: 'Connectivity',
    unique_id: `lowband_${gw}_connectivity`,
    object_id: `lowband_${gw}_connectivity`,
    state_topic: status,
    payload_on: 'online',
    payload_off: 'offline',
    device_class: 'connectivity',
    entity_category: 'diagnostic',
    device: { identifiers: [`lowband_${gw}`], name: `lowband ${s.gatewayId}`, manufacturer: 'lowband', model: 'gateway' },
  };
  return {
    id: `${gw}/_gateway`,
    topic: `${s.discoveryPrefix}/binary_sensor/lowband_${gw}/connectivity/config`,
    payload: Buffer.from(JSON.stringify(cfg)),
  };
}

/**
 * The (device, field) pairs already announced in this MQTT session, bounded: rotating BLE
 * addresses must not grow memory. An evicted pair is simply announced again (retained, idempotent).
 */
export class AnnouncedSet {
  private readonly seen: BoundedMap<string, true>;
  constructor(max = 4096) {
    this.seen = new BoundedMap(max);
  }

  /** True (and remembered) when `id` was not announced yet. */
  add(id: string): boolean {
    if (this.seen.get(id)) return false;
    this.seen.set(id, true);
    return true;
  }

  /** Forget one id (its publish was refused), so it is announced again. */
  delete(id: string): void {
    this.seen.delete(id);
  }

  /** Forget everything: a new broker session may have lost the retained configs. */
  clear(): void {
    this.seen.clear();
  }

  get size(): number {
    return this.seen.size;
  }
}
