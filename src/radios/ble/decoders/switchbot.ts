import type { Advert, DecodeContext, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, companyId, fail, firstServiceData, guarded, round } from './common';

// SwitchBot (OpenWonderLabs "SwitchBotAPI-BLE" broadcast messages; the same layouts as the
// pySwitchbot parsers used by Home Assistant). Service data 0xfd3d (new) or 0x0d00 (old):
//   byte 0: bit 7 encrypted, bits 0-6 device type (an ASCII letter) | byte 1: status bits |
//   byte 2: bit 7 flag, bits 0-6 battery % | bytes 3.. per type (below).
// Manufacturer data, company 0x0969 (after the id): MAC(6) | sequence | type specific bytes.
// Thermo-hygrometer reading, 3 bytes: decimal (bits 0-3, 0.1 °C) | integer (bits 0-6; bit 7
// set = above zero) | humidity (bits 0-6; bit 7 = display in °F). Newer firmware puts it in the
// manufacturer data at offset 8 (and Meter Pro CO2 adds co2 u16 BE at 13, Hub 2 has it at 13
// with the light level in bits 0-4 of byte 12); older meters have it in service data at 3.
// A passive scan receives no service data: the type byte is missing, so the model comes from
// `pair --model` (ctx.model), else from the manufacturer data length where only one type uses it
// (13: Contact; 12: Plug Mini, unless it holds a plausible above-zero meter reading), else a
// plausible thermo-hygrometer reading is taken as a meter.

const FMT = 'switchbot';
const UUIDS = ['fd3d', '0d00'];
const COMPANY = 0x0969;

type Parse = (sd: Buffer | undefined, m: Buffer | undefined) => Fields;

/** Battery % from service data byte 2, when present. */
function battery(sd: Buffer | undefined, f: Fields): void {
  if (sd && sd.length >= 3) f.battery = sd[2] & 0x7f;
}

/** The 3-byte thermo-hygrometer reading at `at`; false when the bytes are not one. */
function thermo(b: Buffer, at: number, f: Fields): boolean {
  if (b.length < at + 3) return false;
  const t = round((b[at + 1] & 0x7f) + (b[at] & 0x0f) / 10, 1);
  f.temperature = b[at + 1] & 0x80 ? t : -t;
  f.humidity = b[at + 2] & 0x7f;
  return true;
}

function meter(sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  if (!(m && thermo(m, 8, f)) && sd) thermo(sd, 3, f);
  battery(sd, f);
  return f;
}

function meterCo2(sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f = meter(sd, m);
  if (m && m.length >= 15) {
    const co2 = m.readUInt16BE(13);
    if (co2 <= 9999) f.co2 = co2; // the sensor's range is 400-9999 ppm; above is not a reading
  }
  return f;
}

function hub2(_sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  if (m && thermo(m, 13, f)) f.light_level = m[12] & 0x1f;
  return f;
}

function contact(sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  battery(sd, f);
  // Newer firmware: the state byte at body offset 7 of the manufacturer data wins
  if (m && m.length >= 13) {
    f.motion = (m[7] & 0x80) !== 0;
    f.opening = (m[7] & 0x30) !== 0; // bit 4 open, bit 5 open too long
    f.light = (m[7] & 0x40) !== 0;
    f.button_count = m[12] & 0x0f;
  } else if (sd && sd.length >= 9) {
    f.motion = (sd[1] & 0x40) !== 0;
    f.opening = (sd[3] & 0x06) !== 0; // bit 1 open, bit 2 open too long
    f.light = (sd[3] & 0x01) !== 0;
    f.button_count = sd[8] & 0x0f;
  }
  return f;
}

function motion(sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  if (sd && sd.length >= 6) {
    f.motion = (sd[1] & 0x40) !== 0;
    f.light = (sd[5] & 0x02) !== 0;
  }
  battery(sd, f);
  if (m && m.length >= 8) {
    f.motion = (m[7] & 0x40) !== 0;
    f.light = (m[7] & 0x20) !== 0;
  }
  return f;
}

function bot(sd: Buffer | undefined): Fields {
  const f: Fields = {};
  battery(sd, f);
  if (sd && sd.length >= 2) {
    const switchMode = (sd[1] & 0x80) !== 0;
    f.mode = switchMode ? 'switch' : 'press';
    if (switchMode) f.power_on = (sd[1] & 0x40) === 0;
  }
  return f;
}

function curtain(sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  // Position / light bytes: manufacturer body 8-9 on newer firmware, else service data 3-4;
  // Curtain 3 moves the battery to manufacturer body 12.
  const d = m && m.length >= 11 ? m.subarray(8) : sd && sd.length >= 5 ? sd.subarray(3) : undefined;
  if (m && m.length >= 13) f.battery = m[12] & 0x7f;
  else battery(sd, f);
  if (d) {
    f.position = 100 - Math.min(d[0] & 0x7f, 100); // sent as "closed %": 100 = fully open
    f.moving = (d[0] & 0x80) !== 0;
    f.light_level = (d[1] >> 4) & 0x0f;
  }
  return f;
}

function leak(sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  if (!sd || sd.length < 3 || !m || m.length < 9) return f;
  f.moisture_detected = (m[8] & 0x01) !== 0;
  f.tamper = (m[8] & 0x02) !== 0;
  f.battery = m[7] & 0x7f;
  f.battery_low = (m[7] & 0x80) !== 0;
  return f;
}

function blindTilt(sd: Buffer | undefined): Fields {
  const f: Fields = {};
  battery(sd, f);
  if (sd && sd.length >= 4) {
    f.tilt = sd[3] & 0x7f;
    f.moving = (sd[3] & 0x80) !== 0;
  }
  if (sd && sd.length >= 5) f.light_level = (sd[4] >> 4) & 0x0f;
  return f;
}

function plug(_sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  if (m && m.length >= 12) {
    f.power_on = m[7] === 0x80;
    f.power = (((m[10] << 8) | m[11]) & 0x7fff) / 10;
  }
  return f;
}

/**
 * Relay Switch 1 / 1PM: manufacturer body byte 7 bit 7 = on; the 1PM adds power u16 BE ×0.1 W at
 * body 10-11 (as pySwitchbot reads them).
 */
function relay(withPower: boolean): Parse {
  return (_sd, m) => {
    const f: Fields = {};
    if (m && m.length >= 8) f.power_on = (m[7] & 0x80) !== 0;
    if (withPower && m && m.length >= 12) f.power = m.readUInt16BE(10) / 10;
    return f;
  };
}

/** Hub Mini Matter: the thermo-hygrometer reading at manufacturer body 13 (as Hub 2, no light). */
function hubMini(_sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  if (m) thermo(m, 13, f);
  return f;
}

/** Roller Shade: battery in service data; "closed %" at body 8 (bits 0-6), light level in body 9 bits 4-7. */
function rollerShade(sd: Buffer | undefined, m: Buffer | undefined): Fields {
  const f: Fields = {};
  battery(sd, f);
  if (m && m.length >= 10) {
    f.position = 100 - Math.min(m[8] & 0x7f, 100);
    f.light_level = (m[9] >> 4) & 0x0f;
  }
  return f;
}

/**
 * Battery in the manufacturer body at `at` (vacuums, Circulator Fan: their service data often
 * carries 0 there), else from the service data.
 */
function bodyBattery(at: number): Parse {
  return (sd, m) => {
    const f: Fields = {};
    if (m && m.length > at) f.battery = m[at] & 0x7f;
    else battery(sd, f);
    return f;
  };
}

function batteryOnly(sd: Buffer | undefined): Fields {
  const f: Fields = {};
  battery(sd, f);
  return f;
}

/**
 * Device type → parser; `models` are the ids `pair --model` accepts for it. The type is byte 0
 * without bits 7 (encrypted) and 5: each device sends its letter in either case ('T' / 't',
 * '{' / '['), so the table is keyed by `byte & 0x5f` (the comment shows the usual letter).
 */
const TYPES: Record<number, { models: readonly string[]; parse: Parse }> = {
  0x54: { models: ['meter'], parse: meter }, // 'T' Meter
  0x49: { models: ['meter_plus'], parse: meter }, // 'i' Meter Plus
  0x57: { models: ['outdoor_meter'], parse: meter }, // 'w' Indoor/Outdoor Thermo-Hygrometer
  0x14: { models: ['meter_pro'], parse: meter }, // '4' Meter Pro
  0x15: { models: ['meter_pro_co2'], parse: meterCo2 }, // '5' Meter Pro CO2
  0x56: { models: ['hub2'], parse: hub2 }, // 'v' Hub 2
  0x44: { models: ['contact', 'w120150x'], parse: contact }, // 'd' Contact Sensor
  0x53: { models: ['motion', 'w110150x'], parse: motion }, // 's' Motion Sensor
  0x48: { models: ['bot', 'w070160x'], parse: bot }, // 'H' Bot
  0x43: { models: ['curtain'], parse: curtain }, // 'c' Curtain
  0x5b: { models: ['curtain3'], parse: curtain }, // '{' Curtain 3
  0x58: { models: ['blind_tilt', 'w270160x'], parse: blindTilt }, // 'x' Blind Tilt
  0x06: { models: ['leak'], parse: leak }, // '&' Water Leak Detector (state in manufacturer data)
  0x47: { models: ['plug_mini'], parse: plug }, // 'g' Plug Mini (US)
  0x4a: { models: ['plug_mini_jp'], parse: plug }, // 'j' Plug Mini (JP)
  0x42: { models: ['remote'], parse: batteryOnly }, // 'b' Remote
  0x4f: { models: ['lock'], parse: batteryOnly }, // 'o' Lock
  0x04: { models: ['lock_pro'], parse: batteryOnly }, // '$' Lock Pro
  0x59: { models: ['keypad'], parse: batteryOnly }, // 'y' Keypad
  0x1b: { models: ['relay_switch_1'], parse: relay(false) }, // ';' Relay Switch 1
  0x1c: { models: ['relay_switch_1pm'], parse: relay(true) }, // '<' Relay Switch 1PM
  0x05: { models: ['hubmini_matter'], parse: hubMini }, // '%' Hub Mini Matter
  0x0c: { models: ['roller_shade'], parse: rollerShade }, // ',' Roller Shade
  0x5e: { models: ['circulator_fan'], parse: bodyBattery(8) }, // '~' Circulator Fan
  0x08: { models: ['k10_pro_vacuum'], parse: bodyBattery(8) }, // '(' K10+ Pro
  0x5d: { models: ['k10_vacuum'], parse: bodyBattery(8) }, // '}' K10+
  0x0e: { models: ['k20_vacuum'], parse: bodyBattery(12) }, // '.' K20
  0x13: { models: ['k10_pro_combo_vacuum'], parse: bodyBattery(12) }, // '3' K10+ Pro Combo
  0x5a: { models: ['s10_vacuum'], parse: bodyBattery(12) }, // 'z' S10
};

const TYPE_MASK = 0x5f;

const BY_MODEL = new Map<string, number>();
for (const [t, v] of Object.entries(TYPES)) for (const m of v.models) BY_MODEL.set(m, Number(t));

/** A passive thermo-hygrometer reading must look like one (the model is not in the advert). */
function plausibleThermo(m: Buffer): boolean {
  if (m.length < 11 || (m[8] & 0xf0) !== 0 || (m[8] & 0x0f) > 9) return false;
  const t = m[9] & 0x80 ? m[9] & 0x7f : -(m[9] & 0x7f);
  return t >= -40 && t <= 70 && (m[10] & 0x7f) <= 100;
}

function passiveType(m: Buffer): number | undefined {
  if (m.length === 13) return 0x44; // Contact
  if (m.length === 12) return plausibleThermo(m) && (m[9] & 0x80) !== 0 ? 0x54 : 0x47; // Meter : Plug Mini
  return plausibleThermo(m) ? 0x54 : undefined;
}

function decodeSwitchbot(advert: Advert, ctx: DecodeContext): DecodeResult {
  const sd = firstServiceData(advert, UUIDS)?.data;
  const m = companyId(advert) === COMPANY ? advert.manufacturerData!.subarray(2) : undefined;
  let type = sd && sd.length >= 1 ? sd[0] & TYPE_MASK : ctx.model !== undefined ? BY_MODEL.get(ctx.model) : undefined;
  if (type === undefined && m) type = passiveType(m);
  const spec = type !== undefined ? TYPES[type] : undefined;
  if (!spec) return fail(FMT, sd ? 'unsupported' : 'model_unknown');
  const fields = spec.parse(sd, m);
  if (Object.keys(fields).length === 0) return fail(FMT, 'no_data');
  return { fmt: FMT, fields, payload: m && !sd ? advert.manufacturerData! : sd ?? advert.manufacturerData! };
}

/** SwitchBot meters, hubs, sensors, Bot, Curtain, Blind Tilt, Plug Mini (service and manufacturer data). */
export const SwitchbotDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: UUIDS,
  companyIds: [COMPANY],
  matches: (advert) => {
    const sd = firstServiceData(advert, UUIDS);
    if (sd) return sd.data.length >= 1 && TYPES[sd.data[0] & TYPE_MASK] !== undefined;
    return companyId(advert) === COMPANY && advert.manufacturerData!.length >= 2 + 8;
  },
  decode: (advert, ctx) => guarded(FMT, () => decodeSwitchbot(advert, ctx)),
};
