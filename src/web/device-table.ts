import type { FieldValue, Reading } from '../core/reading';
import { BoundedMap } from '../util/bounded-map';
import { Fifo } from '../util/fifo';

/** Numeric fields with a history per device: more than this (a codec gone wild) are shown, not kept. */
const MAX_HISTORY_FIELDS = 32;

/** One device as the web page shows it (`GET /api/devices`). */
export interface DeviceView {
  /** Id as in the topic: `ble/a4c138d5d498`, `lora/49be7df1`. */
  id: string;
  radio: string;
  device: string;
  /** Adapter that heard it last. */
  src: string;
  name?: string;
  fmt?: string;
  rssi?: number;
  snr?: number;
  fields: Record<string, FieldValue>;
  /** Seq of the last reading (decimal). */
  seq: string;
  /** Receive time of the last reading, ISO 8601. */
  lastSeen: string;
  /** Readings heard since the gateway started (or since this device was last forgotten). */
  count: number;
  /** Recent values of each numeric field, oldest first. */
  history: Record<string, number[]>;
}

/** A device's state after one reading, as the live stream sends it. */
export type DeviceUpdate = Omit<DeviceView, 'history'>;

/** What is kept per device: the last reading as it came (formatted only when someone looks). */
interface DeviceEntry {
  id: string;
  last: Reading;
  /** A copy of the last reading's fields, taken when it arrived. */
  fields: Record<string, FieldValue>;
  /** The last label heard (a later reading without one keeps it). */
  name?: string;
  fmt?: string;
  seq: bigint;
  count: number;
  history: Map<string, Fifo<number>>;
}

/**
 * Every device heard, with its last reading and a bounded ring of recent values per numeric
 * field: fed by the gateway's readings tap, read by the page. Bounded in devices (least recently
 * heard forgotten), fields per device and points per field, whatever the air sends.
 */
export class DeviceTable {
  private readonly devices: BoundedMap<string, DeviceEntry>;
  /** Devices forgotten to make room (shown on the page as a drop of the page's own table). */
  evicted = 0;

  constructor(
    maxDevices: number,
    private readonly historyPoints: number,
  ) {
    this.devices = new BoundedMap(maxDevices, () => this.evicted++);
  }

  get size(): number {
    return this.devices.size;
  }

  /** Takes one accepted reading (on the gateway's hot path: one shallow copy of the fields, no formatting). */
  record(r: Reading, seq: bigint): void {
    // Copied first: whatever the reading holds, a failure here leaves the table as it was.
    const fields: Record<string, FieldValue> = r.fields ? { ...r.fields } : {};
    const id = `${r.radio}/${r.device}`;
    let e = this.devices.get(id);
    if (!e) {
      e = { id, last: r, fields: {}, seq, count: 0, history: new Map() };
      this.devices.set(id, e);
    }
    e.last = r;
    e.fields = fields;
    e.seq = seq;
    e.count++;
    if (r.name !== undefined) e.name = r.name;
    if (r.fmt !== undefined) e.fmt = r.fmt;
    for (const k in fields) {
      const value = fields[k];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      let ring = e.history.get(k);
      if (!ring) {
        if (e.history.size >= MAX_HISTORY_FIELDS) continue;
        ring = new Fifo<number>();
        e.history.set(k, ring);
      }
      ring.push(value);
      if (ring.length > this.historyPoints) ring.shift();
    }
  }

  /** A device's current state without its history (what the live stream sends), or undefined. */
  update(id: string): DeviceUpdate | undefined {
    const e = this.devices.peek(id);
    return e && this.updateOf(e);
  }

  /** Every device, most recently heard first. */
  list(): DeviceView[] {
    return [...this.devices.values()].reverse().map((e) => this.viewOf(e));
  }

  private updateOf(e: DeviceEntry): DeviceUpdate {
    const r = e.last;
    const u: DeviceUpdate = {
      id: e.id, radio: r.radio, device: r.device, src: r.src, fields: { ...e.fields },
      seq: e.seq.toString(), lastSeen: new Date(r.timeUs / 1000).toISOString(), count: e.count,
    };
    if (e.name !== undefined) u.name = e.name;
    if (e.fmt !== undefined) u.fmt = e.fmt;
    if (r.rssi !== undefined) u.rssi = r.rssi;
    if (r.snr !== undefined) u.snr = r.snr;
    return u;
  }

  private viewOf(e: DeviceEntry): DeviceView {
    const history: Record<string, number[]> = {};
    for (const [k, ring] of e.history) history[k] = [...ring];
    return { ...this.updateOf(e), history };
  }
}
