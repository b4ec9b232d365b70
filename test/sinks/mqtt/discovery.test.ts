// Home Assistant discovery quality (issue 11 item 5): diagnostics, beacons, classes and units,
// device names and brands. Expected classes and units are Home Assistant's own rules (developer
// docs, "Sensor entity: available device classes" and their units / state classes), written
// here independently of src/sinks/mqtt/ha-entities.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrames, encodeFrames, Flag, Kind, RadioCode } from '../../../src/wire/message';
import { discoveryConfigs, type DiscoverySettings } from '../../../src/sinks/mqtt/discovery';
import { brandOf, fieldClass, KNOWN_FIELDS } from '../../../src/sinks/mqtt/ha-entities';
import { ALL_VECTORS } from '../../radios/ble/decoders/vectors';
import type { CborValue } from '../../../src/wire/cbor';
import { keyOf } from './fixtures';

const SETTINGS: DiscoverySettings = { discoveryPrefix: 'homeassistant', topicPrefix: 'lowband', gatewayId: 'gw1' };

type Cfg = Record<string, unknown> & { device: Record<string, unknown> };

/** The configs of one BLE reading, by object id. */
function configs(fields: Record<string, CborValue>, body: Record<string, CborValue> = {}, settings = SETTINGS): Map<string, Cfg> {
  const frames = encodeFrames('ble/dev1', Kind.reading, RadioCode.ble, Flag.decoded, 1n, 1n, keyOf(1n), {
    gw: 'gw1', dev: 'dev1', src: 'ble0', raw: Buffer.alloc(4), rssi: -70, fmt: 'bthome', fields, ...body,
  });
  const out = new Map<string, Cfg>();
  for (const c of discoveryConfigs(decodeFrames(frames), settings)) out.set(c.topic.split('/').at(-2)!, JSON.parse(c.payload.toString()) as Cfg);
  return out;
}

test('rssi, tx_power and counters are diagnostic; packet ids and sequence numbers are not announced', () => {
  const c = configs({ temperature: 20, tx_power: -4, movement_count: 12, adv_count: 99, packet_id: 7, measurement_seq: 3, timestamp: 1_700_000_000 });
  for (const id of ['rssi', 'tx_power', 'movement_count', 'adv_count']) {
    assert.equal(c.get(id)?.entity_category, 'diagnostic', `${id} is diagnostic`);
  }
  assert.equal(c.get('temperature')?.entity_category, undefined, 'measurements stay primary');
  for (const id of ['packet_id', 'measurement_seq', 'timestamp']) assert.equal(c.has(id), false, `${id} is not announced`);
  assert.equal(c.get('movement_count')?.state_class, 'total_increasing');
});

test('beacons are not announced unless announce_beacons asks; then their ids are diagnostic', () => {
  const ibeacon = { fmt: 'ibeacon' };
  const fields = { uuid: 'e2c56db5-dffb-48d2-b060-d0f5a71096e0', major: 1, minor: 2, tx_power: -59 };
  assert.equal(configs(fields, ibeacon).size, 0, 'iBeacon: nothing by default');
  assert.equal(configs({ frame: 'tlm', temperature: 20, voltage: 3 }, { fmt: 'eddystone' }).size, 0, 'Eddystone: nothing by default');
  const asked = configs(fields, ibeacon, { ...SETTINGS, announceBeacons: true });
  for (const id of ['uuid', 'major', 'minor', 'tx_power', 'rssi']) assert.equal(asked.get(id)?.entity_category, 'diagnostic', id);
  assert.equal(asked.get('major')?.state_class, undefined, 'an id is not a measurement');
});

/** field → [device_class, unit, state_class] as Home Assistant wants them for our units. */
const EXPECTED: Record<string, [string | undefined, string, string]> = {
  temperature: ['temperature', '°C', 'measurement'],
  humidity: ['humidity', '%', 'measurement'],
  pressure: ['atmospheric_pressure', 'hPa', 'measurement'],
  battery: ['battery', '%', 'measurement'],
  voltage: ['voltage', 'V', 'measurement'],
  current: ['current', 'A', 'measurement'],
  power: ['power', 'W', 'measurement'],
  energy: ['energy', 'kWh', 'total_increasing'],
  illuminance: ['illuminance', 'lx', 'measurement'],
  co2: ['carbon_dioxide', 'ppm', 'measurement'],
  pm25: ['pm25', 'µg/m³', 'measurement'],
  pm10: ['pm10', 'µg/m³', 'measurement'],
  moisture: ['moisture', '%', 'measurement'],
  // HA's VOC classes accept µg/m³ (or ppm/ppb) only; our formaldehyde is mg/m³: no class.
  formaldehyde: [undefined, 'mg/m³', 'measurement'],
  weight: ['weight', 'kg', 'measurement'],
  mass: ['weight', 'kg', 'measurement'],
  tank_level: ['distance', 'mm', 'measurement'],
  gravity: [undefined, 'SG', 'measurement'],
  conductivity: ['conductivity', 'µS/cm', 'measurement'],
  water: ['water', 'L', 'total_increasing'],
  gas: ['gas', 'm³', 'total_increasing'],
};

test('every measurement gets its device_class, unit_of_measurement and state_class', () => {
  const fields = Object.fromEntries(Object.keys(EXPECTED).map((k, i) => [k, i + 0.5]));
  const c = configs({ ...fields, temperature_2: 18 });
  for (const [field, [dc, unit, sc]] of Object.entries(EXPECTED)) {
    const cfg = c.get(field);
    assert.ok(cfg, `${field} announced`);
    assert.deepEqual([cfg.device_class, cfg.unit_of_measurement, cfg.state_class], [dc, unit, sc], field);
  }
  assert.equal(c.get('temperature_2')?.device_class, 'temperature', 'a repeat suffix keeps the class');
});

/** Units Home Assistant accepts per sensor device class, and the state classes it allows. */
const HA_UNITS: Record<string, string[]> = {
  temperature: ['°C', '°F', 'K'], humidity: ['%'], atmospheric_pressure: ['cbar', 'bar', 'hPa', 'mmHg', 'inHg', 'kPa', 'mbar', 'Pa', 'psi'],
  voltage: ['V', 'mV', 'µV', 'kV', 'MV'], current: ['A', 'mA'], power: ['W', 'kW', 'mW', 'MW', 'GW', 'TW', 'BTU/h'],
  energy: ['J', 'kJ', 'MJ', 'GJ', 'mWh', 'Wh', 'kWh', 'MWh', 'GWh', 'TWh', 'cal', 'kcal', 'Mcal', 'Gcal'], battery: ['%'],
  illuminance: ['lx'], carbon_dioxide: ['ppm'], pm1: ['µg/m³'], pm25: ['µg/m³'], pm10: ['µg/m³'],
  volatile_organic_compounds: ['µg/m³', 'mg/m³'], moisture: ['%'], conductivity: ['S/cm', 'mS/cm', 'µS/cm'],
  weight: ['kg', 'g', 'mg', 'µg', 'oz', 'lb', 'st'], distance: ['km', 'm', 'cm', 'mm', 'mi', 'nmi', 'yd', 'in'],
  speed: ['ft/s', 'in/d', 'in/h', 'in/s', 'km/h', 'kn', 'm/s', 'mph', 'mm/d', 'mm/s'], duration: ['d', 'h', 'min', 's', 'ms'],
  volume: ['L', 'mL', 'gal', 'fl. oz.', 'm³', 'ft³', 'CCF'], volume_storage: ['L', 'mL', 'gal', 'fl. oz.', 'm³', 'ft³', 'CCF'],
  water: ['L', 'gal', 'm³', 'ft³', 'CCF'], gas: ['m³', 'ft³', 'CCF'], volume_flow_rate: ['m³/h', 'ft³/min', 'L/min', 'gal/min', 'mL/s'],
  precipitation: ['cm', 'in', 'mm'], sound_pressure: ['dB', 'dBA'], signal_strength: ['dB', 'dBm'],
};
/** Device classes that are meters: HA refuses `measurement` for them. */
const TOTALS_ONLY = new Set(['energy', 'gas', 'water', 'volume']);

test('the whole field table follows HA: known class, an accepted unit, an allowed state class', () => {
  for (const field of KNOWN_FIELDS) {
    const cls = fieldClass(field);
    if (!cls.deviceClass) continue;
    assert.ok(HA_UNITS[cls.deviceClass], `${field}: ${cls.deviceClass} is an HA sensor device class`);
    assert.ok(HA_UNITS[cls.deviceClass].includes(cls.unit ?? ''), `${field}: ${cls.unit} is a unit HA accepts for ${cls.deviceClass}`);
    if (TOTALS_ONLY.has(cls.deviceClass)) assert.notEqual(cls.stateClass ?? 'measurement', 'measurement', `${field}: a meter is a total`);
  }
});

test('binary sensors get their HA class; events and texts have no state class', () => {
  const c = configs({ door: true, moisture_detected: false, unlocked: true, generic: true, button: 'press', firmware: '1.2.3' });
  assert.deepEqual(
    ['door', 'moisture_detected', 'unlocked', 'generic'].map((f) => c.get(f)?.device_class),
    ['door', 'moisture', 'lock', undefined],
  );
  assert.equal(c.get('button')?.state_class, undefined);
  assert.equal(c.get('firmware')?.entity_category, 'diagnostic');
});

test('device blocks: the brand from fmt as manufacturer; the label, else the model, as name', () => {
  const cases: Array<[string, string]> = [['govee', 'Govee'], ['mibeacon', 'Xiaomi'], ['ruuvi5', 'Ruuvi'], ['switchbot', 'SwitchBot'], ['qingping', 'Qingping'], ['inkbird', 'Inkbird']];
  for (const [fmt, brand] of cases) {
    const d = configs({ temperature: 20 }, { fmt }).get('temperature')!.device;
    assert.equal(d.manufacturer, brand, fmt);
    assert.match(String(d.name), / dev1$/, 'unlabelled: model and device id');
    assert.equal(String(d.name), `${d.model} dev1`);
  }
  const labelled = configs({ temperature: 20 }, { fmt: 'govee', name: 'Greenhouse', model: 'H5075' }).get('temperature')!.device;
  assert.deepEqual([labelled.name, labelled.model, labelled.manufacturer], ['Greenhouse', 'H5075', 'Govee']);
  const unknown = configs({ temperature: 20 }, { fmt: 'somethingnew' }).get('temperature')!.device;
  assert.equal(unknown.manufacturer, 'lowband (ble)', 'a format we cannot pin says who forwarded it');
});

test('every measurement a BLE decoder gives has an HA class, and every BLE format a brand', () => {
  // The decoders' own vectors are the list of what sensors send (test/radios/ble/decoders/vectors).
  const missingClass = new Set<string>();
  const missingBrand = new Set<string>();
  for (const vectors of Object.values(ALL_VECTORS)) {
    for (const v of vectors) {
      if (brandOf(v.fmt, 'ble').manufacturer.startsWith('lowband')) missingBrand.add(v.fmt);
      if ('error' in v.expect) continue;
      for (const [field, value] of Object.entries(v.expect)) {
        if (typeof value === 'number' && Object.keys(fieldClass(field)).length === 0) missingClass.add(field);
        if (typeof value === 'string' && fieldClass(field).stateClass !== 'none' && !fieldClass(field).skip) missingClass.add(field);
      }
    }
  }
  assert.deepEqual([...missingClass], [], 'fields with no HA class (add them to src/sinks/mqtt/ha-entities.ts)');
  assert.deepEqual([...missingBrand], [], 'formats with no brand');
});
