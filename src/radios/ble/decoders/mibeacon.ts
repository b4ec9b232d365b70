import { createDecipheriv } from 'node:crypto';
import type { Advert, DecodeContext, DecodeResult } from '../advert';
import { type Fields, type KeyedDecoder, fail, guarded, macBytes, putField, round, serviceData } from './common';
import { type FieldRow, readLayout } from './layout';

// Xiaomi MiBeacon (service data 0xfe95), as documented by the ble_monitor project (docs
// "MiBeacon" / Xiaomi parser notes) and Xiaomi's MiBeacon v5 spec:
//   frame control u16 LE: bit3 encrypted, bit4 MAC included, bit5 capability included,
//     bit6 object included, bits 12-15 version | product id u16 LE | frame counter u8 |
//   [MAC(6, reversed)] | [capability u8 (+2 bytes I/O capability when capability & 0x20)] |
//   objects: type u16 LE | length u8 | value ...
// Encrypted v4/v5: objects are AES-128-CCM ciphertext followed by ext counter(3) | MIC(4);
//   nonce = MAC reversed(6) | product id(2) | frame counter(1) | ext counter(3); AAD = 0x11.
// Older (v2/v3) encryption is recognised but not decrypted.

const FMT = 'mibeacon';
const UUID = 'fe95';
const AAD = Buffer.from([0x11]);

/** Simple objects: id → the field and how its bytes read (ble_monitor / miot-spec object lists). */
const SIMPLE: Record<number, FieldRow> = {
  0x1004: { name: 'temperature', at: 0, type: 'i16le', scale: 0.1 },
  0x1006: { name: 'humidity', at: 0, type: 'u16le', scale: 0.1 },
  0x1007: { name: 'illuminance', at: 0, type: 'u24le' },
  0x1008: { name: 'moisture', at: 0, type: 'u8' },
  0x1009: { name: 'conductivity', at: 0, type: 'u16le' },
  0x100a: { name: 'battery', at: 0, type: 'u8' },
  0x1010: { name: 'formaldehyde', at: 0, type: 'u16le', scale: 0.01 },
  0x1013: { name: 'consumable', at: 0, type: 'u8' },
  0x1017: { name: 'no_motion_s', at: 0, type: 'u32le' },
  // Newer (miot-spec) objects: LYWSD02MMC, XMWSDJ04MMC, MJWSD05/06MMC, CGDK3, KS2, ES3 ...
  0x4801: { name: 'temperature', at: 0, type: 'f32le', digits: 2 },
  0x4802: { name: 'humidity', at: 0, type: 'u8' },
  0x4803: { name: 'battery', at: 0, type: 'u8' },
  0x4805: { name: 'illuminance', at: 0, type: 'f32le', digits: 2 },
  0x4808: { name: 'humidity', at: 0, type: 'f32le', digits: 2 },
  0x4818: { name: 'no_motion_s', at: 0, type: 'u16le' },
  0x4c01: { name: 'temperature', at: 0, type: 'f32le', digits: 2 },
  0x4c02: { name: 'humidity', at: 0, type: 'u8' },
  0x4c03: { name: 'battery', at: 0, type: 'u8' },
  0x4c08: { name: 'humidity', at: 0, type: 'f32le', digits: 2 },
};

/** Boolean objects: id → field; true when the first byte is non-zero. */
const FLAGS: Record<number, string> = {
  0x0003: 'motion', 0x1014: 'moisture_detected', 0x1015: 'smoke', 0x1018: 'light', 0x4806: 'moisture_detected',
  0x484e: 'occupancy',
};

const PRESS: Record<number, string> = { 0: 'press', 1: 'double_press', 2: 'long_press', 3: 'triple_press' };

/** Objects whose value needs more than a table row. */
function special(f: Fields, type: number, b: Buffer, at: number, len: number): void {
  switch (type) {
    case 0x100d: // temperature + humidity together
      if (len >= 4) {
        putField(f, 'temperature', b.readInt16LE(at) / 10);
        putField(f, 'humidity', b.readUInt16LE(at + 2) / 10);
      }
      break;
    case 0x000f: // motion with illuminance (u24)
      if (len >= 3) {
        putField(f, 'motion', true);
        putField(f, 'illuminance', b.readUIntLE(at, 3));
      }
      break;
    case 0x4a08: // motion with illuminance (float)
      if (len >= 4) {
        putField(f, 'motion', true);
        putField(f, 'illuminance', round(b.readFloatLE(at), 2));
      }
      break;
    case 0x1019: // door: 0 open, 1 closed, 2 open too long, 3 reset
      if (len >= 1 && b[at] <= 2) putField(f, 'opening', b[at] !== 1);
      break;
    case 0x4804: case 0x4a12: // door: 1 open, 2 closed
      if (len >= 1 && (b[at] === 1 || b[at] === 2)) putField(f, 'opening', b[at] === 1);
      break;
    case 0x1001: // button: index u16, event type
      if (len >= 3) putField(f, 'button', PRESS[b[at + 2]] ?? `event_0x${b[at + 2].toString(16).padStart(2, '0')}`);
      break;
    case 0x1005: // kettle: power, temperature
      if (len >= 2) {
        putField(f, 'power_on', b[at] !== 0);
        putField(f, 'temperature', b[at + 1]);
      }
      break;
    default:
      break; // TLV: unknown objects are skipped by length
  }
}

function objects(b: Buffer, start: number, end: number): Fields {
  const f: Fields = {};
  let i = start;
  while (i + 3 <= end) {
    const type = b.readUInt16LE(i);
    const len = b[i + 2];
    const at = i + 3;
    if (at + len > end) break; // a truncated last object is dropped, earlier ones kept
    const row = SIMPLE[type];
    if (row) readLayout(b.subarray(at, at + len), 0, [row], f);
    else if (FLAGS[type] !== undefined) {
      if (len >= 1) putField(f, FLAGS[type], b[at] !== 0);
    } else special(f, type, b, at, len);
    i = at + len;
  }
  return f;
}

function decodeMibeacon(advert: Advert, ctx: DecodeContext): DecodeResult {
  const b = serviceData(advert, UUID);
  if (!b || b.length < 5) return fail(FMT, 'malformed');
  const fc = b.readUInt16LE(0);
  const encrypted = (fc & 0x08) !== 0;
  const version = fc >> 12;
  const frameCounter = b[4];
  let i = 5;
  let macLe: Buffer | undefined;
  if (fc & 0x10) {
    if (b.length < i + 6) return fail(FMT, 'malformed');
    macLe = b.subarray(i, i + 6);
    i += 6;
  }
  if (fc & 0x20) {
    if (b.length < i + 1) return fail(FMT, 'malformed');
    const cap = b[i];
    i += 1;
    if (cap & 0x20) i += 2;
  }
  if ((fc & 0x40) === 0) return fail(FMT, 'no_data'); // pairing/presence frames carry no measurement
  if (!encrypted) {
    return { fmt: FMT, fields: objects(b, i, b.length), counter: frameCounter, payload: b };
  }
  if (!ctx.bindkey) return fail(FMT, 'no_key');
  if (version < 4) return fail(FMT, 'unsupported');
  if (ctx.bindkey.length !== 16) return fail(FMT, 'bad_key');
  const n = b.length;
  if (n < i + 1 + 3 + 4) return fail(FMT, 'malformed');
  if (!macLe) {
    const mac = macBytes(advert.mac);
    if (!mac) return fail(FMT, 'malformed');
    macLe = Buffer.from(mac).reverse();
  }
  const nonce = Buffer.concat([macLe, b.subarray(2, 5), b.subarray(n - 7, n - 4)]);
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-128-ccm', ctx.bindkey, nonce, { authTagLength: 4 });
    d.setAuthTag(b.subarray(n - 4));
    d.setAAD(AAD, { plaintextLength: n - 7 - i });
    plain = d.update(b.subarray(i, n - 7));
    d.final();
  } catch {
    return fail(FMT, 'auth_failed');
  }
  const counter = b.readUIntLE(n - 7, 3) * 256 + frameCounter;
  if (ctx.lastCounter !== undefined && counter <= ctx.lastCounter) return fail(FMT, 'replay');
  return { fmt: FMT, fields: objects(plain, 0, plain.length), counter, authenticated: true, payload: b };
}

/** Xiaomi MiBeacon v2-v5 (plain objects; v4/v5 AES-CCM with a bindkey). */
export const MibeaconDecoder: KeyedDecoder = {
  fmt: FMT,
  serviceUuids: [UUID],
  matches: (advert) => serviceData(advert, UUID) !== undefined,
  decode: (advert, ctx) => guarded(FMT, () => decodeMibeacon(advert, ctx)),
};
