import { createCipheriv } from 'node:crypto';
import { ADV_TYPES, type AdvReport } from './hci-socket';

/** Sensor families the emulator can play. */
export type SensorKind = 'bthome' | 'bthome-encrypted' | 'ruuvi' | 'atc1441' | 'ibeacon';

/** How to set up one emulated sensor. */
export interface SensorSpec {
  kind: SensorKind;
  /** Printed MAC (`aa:bb:cc:dd:ee:ff` or 12 hex digits). */
  mac: string;
  name?: string;
  /** 32 hex digits, for `bthome-encrypted`. */
  key?: string;
  intervalMs?: number;
  rssi?: number;
  /** Identical copies of each advert (real sensors repeat one advert several times). */
  repeats?: number;
  /** First counter value. */
  counter?: number;
}

/** AD structure: length, type, data. */
export function adStructure(type: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([data.length + 1, type]), data]);
}

const FLAGS = adStructure(0x01, Buffer.from([0x06]));

/** 16-bit service data AD structure (UUID little-endian on air). */
export function serviceData16(uuid: number, data: Buffer): Buffer {
  const u = Buffer.alloc(2);
  u.writeUInt16LE(uuid);
  return adStructure(0x16, Buffer.concat([u, data]));
}

/** Manufacturer specific data AD structure (company id little-endian on air). */
export function manufacturerData(company: number, data: Buffer): Buffer {
  const c = Buffer.alloc(2);
  c.writeUInt16LE(company);
  return adStructure(0xff, Buffer.concat([c, data]));
}

/** BTHome v2 measurement objects: packet id, battery, temperature, humidity. */
export function bthomeObjects(packetId: number, battery: number, temperature: number, humidity: number): Buffer {
  const b = Buffer.alloc(10);
  b[0] = 0x00;
  b[1] = packetId & 0xff;
  b[2] = 0x01;
  b[3] = battery;
  b[4] = 0x02;
  b.writeInt16LE(Math.round(temperature * 100), 5);
  b[7] = 0x03;
  b.writeUInt16LE(Math.round(humidity * 100), 8);
  return b;
}

/**
 * BTHome v2 encryption: AES-128-CCM, 4-byte MIC, nonce = MAC (printed order) + UUID d2fc (LE)
 * + device-info byte + counter (4 bytes LE). Returns the service data after the UUID.
 */
export function bthomeEncrypt(mac: string, key: Buffer, counter: number, plainObjects: Buffer, devInfo = 0x41): Buffer {
  const macBytes = Buffer.from(mac.replace(/[^0-9a-fA-F]/g, ''), 'hex');
  const ctr = Buffer.alloc(4);
  ctr.writeUInt32LE(counter >>> 0);
  const nonce = Buffer.concat([macBytes, Buffer.from([0xd2, 0xfc, devInfo]), ctr]);
  const c = createCipheriv('aes-128-ccm', key, nonce, { authTagLength: 4 });
  const ct = Buffer.concat([c.update(plainObjects), c.final()]);
  return Buffer.concat([Buffer.from([devInfo]), ct, ctr, c.getAuthTag()]);
}

/** Ruuvi data format 5 (RAWv2), 24 bytes after company id 0x0499. */
export function ruuviRawV2(m: {
  temperature: number; humidity: number; pressure: number; acc: [number, number, number];
  voltage: number; txPower: number; movement: number; seq: number; mac: string;
}): Buffer {
  const b = Buffer.alloc(24);
  b[0] = 0x05;
  b.writeInt16BE(Math.round(m.temperature / 0.005), 1);
  b.writeUInt16BE(Math.round(m.humidity / 0.0025), 3);
  b.writeUInt16BE(Math.round(m.pressure * 100 - 50000), 5);
  b.writeInt16BE(Math.round(m.acc[0] * 1000), 7);
  b.writeInt16BE(Math.round(m.acc[1] * 1000), 9);
  b.writeInt16BE(Math.round(m.acc[2] * 1000), 11);
  const power = ((Math.round(m.voltage * 1000) - 1600) << 5) | (Math.round((m.txPower + 40) / 2) & 0x1f);
  b.writeUInt16BE(power, 13);
  b[15] = m.movement & 0xff;
  b.writeUInt16BE(m.seq & 0xffff, 16);
  Buffer.from(m.mac.replace(/[^0-9a-fA-F]/g, ''), 'hex').copy(b, 18);
  return b;
}

/** ATC1441 custom firmware format (service data 0x181A, 13 bytes, big-endian). */
export function atc1441(m: { mac: string; temperature: number; humidity: number; battery: number; voltage: number; counter: number }): Buffer {
  const b = Buffer.alloc(13);
  Buffer.from(m.mac.replace(/[^0-9a-fA-F]/g, ''), 'hex').copy(b, 0);
  b.writeInt16BE(Math.round(m.temperature * 10), 6);
  b[8] = Math.round(m.humidity);
  b[9] = m.battery;
  b.writeUInt16BE(Math.round(m.voltage * 1000), 10);
  b[12] = m.counter & 0xff;
  return b;
}

/** Apple iBeacon manufacturer data after the company id (0x004c). */
export function ibeacon(uuid: string, major: number, minor: number, txPower: number): Buffer {
  const b = Buffer.alloc(23);
  b[0] = 0x02;
  b[1] = 0x15;
  Buffer.from(uuid.replace(/-/g, ''), 'hex').copy(b, 2);
  b.writeUInt16BE(major, 18);
  b.writeUInt16BE(minor, 20);
  b.writeInt8(txPower, 22);
  return b;
}

/**
 * One emulated sensor: each `next()` produces the reports of its next measurement (a changing
 * value and an incremented counter), repeated `repeats` times as real sensors do.
 */
export class EmulatedSensor {
  readonly kind: SensorKind;
  readonly mac: string;
  readonly name: string;
  readonly key?: string;
  readonly intervalMs: number;
  rssi: number;
  readonly repeats: number;
  counter: number;
  /** Measurements produced so far. */
  sent = 0;

  constructor(spec: SensorSpec) {
    this.kind = spec.kind;
    this.mac = spec.mac.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
    if (this.mac.length !== 12) throw new Error(`bad sensor MAC ${spec.mac}`);
    this.name = spec.name ?? `${spec.kind}-${this.mac.slice(8)}`;
    this.key = spec.key;
    this.intervalMs = spec.intervalMs ?? 1000;
    this.rssi = spec.rssi ?? -60;
    this.repeats = spec.repeats ?? 2;
    this.counter = spec.counter ?? 1;
  }

  /** Printed form `aa:bb:cc:dd:ee:ff`. */
  get address(): string {
    return this.mac.match(/../g)!.join(':');
  }

  /** The temperature this sensor reports for measurement number `n` (tests predict values). */
  temperatureAt(n: number): number {
    return Math.round((20 + (n % 50) / 10) * 100) / 100;
  }

  /** Advertising data (AD structures) of the current measurement. */
  advertisingData(): Buffer {
    const t = this.temperatureAt(this.sent);
    const h = 40 + (this.sent % 20);
    switch (this.kind) {
      case 'bthome':
        return Buffer.concat([FLAGS, serviceData16(0xfcd2, Buffer.concat([Buffer.from([0x40]), bthomeObjects(this.counter, 90, t, h)]))]);
      case 'bthome-encrypted': {
        if (!this.key) throw new Error('bthome-encrypted sensor needs a key');
        const plain = Buffer.alloc(6);
        plain[0] = 0x02;
        plain.writeInt16LE(Math.round(t * 100), 1);
        plain[3] = 0x03;
        plain.writeUInt16LE(Math.round(h * 100), 4);
        return Buffer.concat([FLAGS, serviceData16(0xfcd2, bthomeEncrypt(this.mac, Buffer.from(this.key, 'hex'), this.counter, plain))]);
      }
      case 'ruuvi':
        return Buffer.concat([FLAGS, manufacturerData(0x0499, ruuviRawV2({
          temperature: t, humidity: h, pressure: 1000 + (this.sent % 10), acc: [0.004, -0.004, 1.036],
          voltage: 2.977, txPower: 4, movement: 66, seq: this.counter, mac: this.mac,
        }))]);
      case 'atc1441':
        return Buffer.concat([FLAGS, serviceData16(0x181a, atc1441({ mac: this.mac, temperature: Math.round(t * 10) / 10, humidity: h, battery: 81, voltage: 2.939, counter: this.counter }))]);
      case 'ibeacon':
        return Buffer.concat([FLAGS, manufacturerData(0x004c, ibeacon('426c7565-4368-6172-6d42-6561636f6e73', 3838, 4949 + (this.sent % 3), -59))]);
    }
  }

  /** Reports for the next measurement, then advances value and counter. */
  next(): AdvReport[] {
    const data = this.advertisingData();
    const advType = this.kind === 'ruuvi' ? ADV_TYPES.ADV_IND : ADV_TYPES.ADV_NONCONN_IND;
    const reports: AdvReport[] = [];
    for (let i = 0; i < this.repeats; i++) {
      reports.push({ address: this.mac, addressType: 'public', advType, data, rssi: this.rssi });
    }
    if (this.kind === 'ruuvi') {
      // connectable: a scan response with the name follows the advert
      const nameAd = adStructure(0x09, Buffer.from(this.name, 'utf8').subarray(0, 29));
      reports.push({ address: this.mac, addressType: 'public', advType: ADV_TYPES.SCAN_RSP, data: nameAd, rssi: this.rssi });
    }
    this.sent++;
    this.counter = this.kind === 'bthome' || this.kind === 'atc1441' ? (this.counter + 1) & 0xff : this.counter + 1;
    return reports;
  }
}
