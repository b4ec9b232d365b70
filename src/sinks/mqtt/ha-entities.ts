/**
 * How our field names look in Home Assistant: device class, unit, state class and whether an
 * entity is diagnostic or not announced at all; and which brand and model a `fmt` stands for.
 * Units are HA's spelling of the wire contract's units (docs/wire-protocol.md, docs/sensors.md).
 */

/** HA's view of one of our field names. */
export interface FieldClass {
  deviceClass?: string;
  unit?: string;
  /** `measurement` unless said otherwise; `none` for values that are not quantities (ids, events). */
  stateClass?: 'measurement' | 'total' | 'total_increasing' | 'none';
  /** Radio and bookkeeping values: shown under the device's diagnostics, not on dashboards. */
  diagnostic?: boolean;
  /** Only for deduplication or meaningless as an entity: never announced. */
  skip?: boolean;
  icon?: string;
}

const DIAG = { diagnostic: true } as const;

/** Numeric and text fields (without the `_2` repeat suffix). */
const SENSORS: Record<string, FieldClass> = {
  temperature: { deviceClass: 'temperature', unit: '°C' },
  dewpoint: { deviceClass: 'temperature', unit: '°C', icon: 'mdi:water-thermometer' },
  humidity: { deviceClass: 'humidity', unit: '%' },
  pressure: { deviceClass: 'atmospheric_pressure', unit: 'hPa' },
  voltage: { deviceClass: 'voltage', unit: 'V' },
  current: { deviceClass: 'current', unit: 'A' },
  power: { deviceClass: 'power', unit: 'W' },
  energy: { deviceClass: 'energy', unit: 'kWh', stateClass: 'total_increasing' },
  battery: { deviceClass: 'battery', unit: '%' },
  illuminance: { deviceClass: 'illuminance', unit: 'lx' },
  co2: { deviceClass: 'carbon_dioxide', unit: 'ppm' },
  pm1: { deviceClass: 'pm1', unit: 'µg/m³' },
  pm25: { deviceClass: 'pm25', unit: 'µg/m³' },
  pm4: { unit: 'µg/m³', icon: 'mdi:air-filter' },
  pm10: { deviceClass: 'pm10', unit: 'µg/m³' },
  tvoc: { deviceClass: 'volatile_organic_compounds', unit: 'µg/m³' },
  // HA's VOC class takes µg/m³ only; formaldehyde is reported in mg/m³, so no class.
  formaldehyde: { unit: 'mg/m³', icon: 'mdi:molecule' },
  moisture: { deviceClass: 'moisture', unit: '%' },
  conductivity: { deviceClass: 'conductivity', unit: 'µS/cm' },
  mass: { deviceClass: 'weight', unit: 'kg' },
  weight: { deviceClass: 'weight', unit: 'kg' },
  weight_removed: { deviceClass: 'weight', unit: 'kg' },
  impedance: { unit: 'Ω', icon: 'mdi:omega' },
  tank_level: { deviceClass: 'distance', unit: 'mm', icon: 'mdi:propane-tank' },
  gravity: { unit: 'SG', icon: 'mdi:flask' },
  distance: { deviceClass: 'distance', unit: 'm' },
  altitude: { deviceClass: 'distance', unit: 'm' },
  speed: { deviceClass: 'speed', unit: 'm/s' },
  duration: { deviceClass: 'duration', unit: 's' },
  volume: { deviceClass: 'volume', unit: 'L', stateClass: 'total' },
  volume_storage: { deviceClass: 'volume_storage', unit: 'L' },
  water: { deviceClass: 'water', unit: 'L', stateClass: 'total_increasing' },
  gas: { deviceClass: 'gas', unit: 'm³', stateClass: 'total_increasing' },
  flow_rate: { deviceClass: 'volume_flow_rate', unit: 'm³/h' },
  precipitation: { deviceClass: 'precipitation', unit: 'mm' },
  sound: { deviceClass: 'sound_pressure', unit: 'dB' },
  uv_index: { unit: 'UV index', icon: 'mdi:sun-wireless' },
  rotation: { unit: '°', icon: 'mdi:rotate-orbit' },
  direction: { unit: '°', icon: 'mdi:compass-outline' },
  rotational_speed: { unit: 'rpm', icon: 'mdi:speedometer' },
  acceleration: { unit: 'm/s²', icon: 'mdi:axis-arrow' },
  acceleration_x: { unit: 'g', icon: 'mdi:axis-x-arrow' },
  acceleration_y: { unit: 'g', icon: 'mdi:axis-y-arrow' },
  acceleration_z: { unit: 'g', icon: 'mdi:axis-z-arrow' },
  gyroscope: { unit: '°/s', icon: 'mdi:rotate-3d-variant' },
  latitude: { unit: '°', icon: 'mdi:latitude' },
  longitude: { unit: '°', icon: 'mdi:longitude' },
  count: { icon: 'mdi:counter' },
  ambient_temperature: { deviceClass: 'temperature', unit: '°C' },
  noise: { deviceClass: 'sound_pressure', unit: 'dB' },
  // Indices on the sensor's own scale (Sensirion VOC/NOx index 1-500): no HA class takes them.
  voc: { icon: 'mdi:air-filter' },
  nox: { icon: 'mdi:air-filter' },
  radon: { unit: 'Bq/m³', icon: 'mdi:radioactive' },
  radiation_rate: { unit: 'µSv/h', icon: 'mdi:radioactive' },
  radiation_total: { unit: 'µSv', stateClass: 'total_increasing', icon: 'mdi:radioactive' },
  heart_rate: { unit: 'bpm', icon: 'mdi:heart-pulse' },
  position: { unit: '%', icon: 'mdi:window-shutter' },
  tilt: { unit: '%', icon: 'mdi:blinds' },
  light_level: { icon: 'mdi:brightness-6' },
  button_count: { stateClass: 'total_increasing', icon: 'mdi:counter' },
  shake_count: { stateClass: 'total_increasing', icon: 'mdi:vibrate' },
  session: { stateClass: 'total_increasing', icon: 'mdi:shower-head' },
  sector: { icon: 'mdi:tooth' },
  // Text states (modes, colours, models): not quantities.
  mode: { stateClass: 'none', icon: 'mdi:cog' },
  state: { stateClass: 'none', icon: 'mdi:state-machine' },
  colour: { stateClass: 'none', icon: 'mdi:palette' },
  beacon_model: { stateClass: 'none', ...DIAG },
  wheel: { stateClass: 'none', icon: 'mdi:tire' },
  reading_quality: { icon: 'mdi:signal', ...DIAG },
  // Events are text states, not quantities.
  button: { stateClass: 'none', icon: 'mdi:gesture-tap-button' },
  dimmer: { stateClass: 'none', icon: 'mdi:knob' },
  // Radio, counters, identity: diagnostics.
  rssi: { deviceClass: 'signal_strength', unit: 'dBm', ...DIAG },
  snr: { unit: 'dB', icon: 'mdi:signal', ...DIAG },
  tx_power: { deviceClass: 'signal_strength', unit: 'dBm', ...DIAG },
  movement_count: { stateClass: 'total_increasing', icon: 'mdi:counter', ...DIAG },
  adv_count: { stateClass: 'total_increasing', icon: 'mdi:counter', ...DIAG },
  uptime_s: { deviceClass: 'duration', unit: 's', stateClass: 'total_increasing', ...DIAG },
  firmware: { stateClass: 'none', icon: 'mdi:chip', ...DIAG },
  device_type: { stateClass: 'none', ...DIAG },
  flags: { stateClass: 'none', ...DIAG },
  // Beacon identity (announced only with announce_beacons).
  uuid: { stateClass: 'none', ...DIAG },
  major: { stateClass: 'none', ...DIAG },
  minor: { stateClass: 'none', ...DIAG },
  namespace: { stateClass: 'none', ...DIAG },
  instance: { stateClass: 'none', ...DIAG },
  url: { stateClass: 'none', ...DIAG },
  frame: { stateClass: 'none', ...DIAG },
  // Deduplication counters and values HA cannot use as a state.
  packet_id: { skip: true },
  measurement_seq: { skip: true },
  eid: { skip: true },
  timestamp: { skip: true },
};

/** Boolean fields → HA binary_sensor device class (none for `generic`). */
const BINARY: Record<string, string | undefined> = {
  motion: 'motion', opening: 'opening', door: 'door', window: 'window', garage_door: 'garage_door',
  moisture_detected: 'moisture', battery_low: 'battery', battery_charging: 'battery_charging',
  carbon_monoxide: 'carbon_monoxide', cold: 'cold', heat: 'heat', connectivity: 'connectivity',
  gas_detected: 'gas', light: 'light', unlocked: 'lock', moving: 'moving', occupancy: 'occupancy',
  plug: 'plug', presence: 'presence', problem: 'problem', running: 'running', unsafe: 'safety',
  smoke: 'smoke', sound: 'sound', tamper: 'tamper', vibration: 'vibration', power_on: 'power',
  external_probe: 'plug', awake: 'running',
  generic: undefined,
};

/** Every field name with a known HA class (for tests that check the table against HA's rules). */
export const KNOWN_FIELDS: readonly string[] = Object.keys(SENSORS);

/** The HA class of field `field` (a `_<n>` repeat suffix is ignored), or {} when unknown. */
export function fieldClass(field: string): FieldClass {
  return SENSORS[field] ?? SENSORS[field.replace(/_\d+$/, '')] ?? {};
}

/** The binary_sensor device class of a boolean field; undefined when it has none. */
export function binaryClass(field: string): string | undefined {
  return BINARY[field] ?? BINARY[field.replace(/_\d+$/, '')];
}

/** Who makes what a `fmt` describes, and what to call the model when the advert does not say. */
interface Brand {
  manufacturer: string;
  model: string;
}

const BRANDS: Record<string, Brand> = {
  bthome: { manufacturer: 'BTHome', model: 'BTHome sensor' },
  ruuvi3: { manufacturer: 'Ruuvi', model: 'RuuviTag' },
  ruuvi5: { manufacturer: 'Ruuvi', model: 'RuuviTag' },
  ruuvi6: { manufacturer: 'Ruuvi', model: 'Ruuvi Air' },
  ruuvie1: { manufacturer: 'Ruuvi', model: 'Ruuvi Air' },
  atc1441: { manufacturer: 'Xiaomi', model: 'Thermometer (atc1441 firmware)' },
  pvvx: { manufacturer: 'Xiaomi', model: 'Thermometer (pvvx firmware)' },
  mibeacon: { manufacturer: 'Xiaomi', model: 'MiBeacon sensor' },
  flowercare: { manufacturer: 'Xiaomi', model: 'Flower Care' },
  miscale: { manufacturer: 'Xiaomi', model: 'Mi Scale' },
  qingping: { manufacturer: 'Qingping', model: 'Qingping sensor' },
  govee: { manufacturer: 'Govee', model: 'Govee sensor' },
  switchbot: { manufacturer: 'SwitchBot', model: 'SwitchBot device' },
  inkbird: { manufacturer: 'Inkbird', model: 'Inkbird sensor' },
  sensorpush: { manufacturer: 'SensorPush', model: 'SensorPush' },
  thermopro: { manufacturer: 'ThermoPro', model: 'ThermoPro thermometer' },
  thermobeacon: { manufacturer: 'ThermoBeacon', model: 'ThermoBeacon' },
  bluemaestro: { manufacturer: 'BlueMaestro', model: 'Tempo Disc' },
  aranet: { manufacturer: 'SAF Tehnika', model: 'Aranet4' },
  mopeka: { manufacturer: 'Mopeka', model: 'Tank sensor' },
  tilt: { manufacturer: 'Tilt', model: 'Tilt hydrometer' },
  sensirion: { manufacturer: 'Sensirion', model: 'MyAmbience sensor' },
  tpms: { manufacturer: 'TPMS', model: 'Tyre pressure sensor' },
  bparasite: { manufacturer: 'b-parasite', model: 'b-parasite' },
  bmbattery: { manufacturer: 'BM', model: 'BM2/BM6 battery monitor' },
  abtemp: { manufacturer: 'April Brother', model: 'ABTemp' },
  abn03: { manufacturer: 'April Brother', model: 'ABN03' },
  jaalee: { manufacturer: 'Jaalee', model: 'Jaalee beacon' },
  rdl52832: { manufacturer: 'RadioLand', model: 'RDL52832' },
  inode: { manufacturer: 'iNode', model: 'iNode energy meter' },
  kkm: { manufacturer: 'KKM', model: 'KSensor' },
  smartdry: { manufacturer: 'SmartDry', model: 'Laundry sensor' },
  moko: { manufacturer: 'MOKO', model: 'MOKO beacon' },
  feasy: { manufacturer: 'Feasycom', model: 'Feasy beacon' },
  sensoreasy: { manufacturer: 'SensorEasy', model: 'SE sensor' },
  oria: { manufacturer: 'ORIA', model: 'Thermometer' },
  beewi: { manufacturer: 'BeeWi', model: 'BWBSDOO' },
  nodon: { manufacturer: 'NodOn', model: 'NIU button' },
  oralb: { manufacturer: 'Oral-B', model: 'Toothbrush' },
  xoss: { manufacturer: 'XOSS', model: 'X2 heart rate monitor' },
  hobo: { manufacturer: 'Onset', model: 'HOBO MX2001' },
  oras: { manufacturer: 'Oras', model: 'Oras faucet' },
  amphiro: { manufacturer: 'Oras', model: 'Hydractiva Digital' },
  ibeacon: { manufacturer: 'iBeacon', model: 'iBeacon' },
  eddystone: { manufacturer: 'Eddystone', model: 'Eddystone beacon' },
  cayenne: { manufacturer: 'LoRa device', model: 'Cayenne LPP' },
};

/** Formats that only say "I am here": announced only when `announce_beacons` asks for them. */
const BEACON_FMTS = new Set(['ibeacon', 'eddystone', 'altbeacon']);

/** True for beacon formats (iBeacon, Eddystone). */
export function isBeacon(fmt: string): boolean {
  return BEACON_FMTS.has(fmt);
}

/**
 * Manufacturer and model for a device's HA device block: the brand from `fmt`, the model the
 * reading names (a `model` body key) when it does; `lowband (<radio>)` for formats we cannot pin.
 */
export function brandOf(fmt: string, radio: string, model?: string): Brand {
  const b = BRANDS[fmt];
  return { manufacturer: b?.manufacturer ?? `lowband (${radio})`, model: model ?? b?.model ?? fmt };
}
