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

interface DeviceEntry {
  view: DeviceUpdate;
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

  /** Takes one accepted reading; returns the device's new state without its history (what the live stream sends). */
  record(r: Reading, seq: bigint): DeviceUpdate {
    const id = `${r.radio}/${r.device}`;
    let e = this.devices.get(id);
    if (!e) {
      e = { view: { id, radio: r.radio, device: r.device, src: r.src, fields: {}, seq: '0', lastSeen: '', count: 0 }, history: new Map() };
      this.devices.set(id, e);
    }
    const v = e.view;
    v.src = r.src;
    if (r.name !== undefined) v.name = r.name;
    if (r.fmt !== undefined) v.fmt = r.fmt;
    v.rssi = r.rssi;
    v.snr = r.snr;
    v.fields = r.fields ? { ...r.fields } : {};
    v.seq = seq.toString();
    v.lastSeen = new Date(r.timeUs / 1000).toISOString();
    v.count++;
    for (const [k, value] of Object.entries(v.fields)) {
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
    return { ...v, fields: { ...v.fields } };
  }

  /** Every device, most recently heard first. */
  list(): DeviceView[] {
    return [...this.devices.values()].reverse().map((e) => this.viewOf(e));
  }

  private viewOf(e: DeviceEntry): DeviceView {
    const history: Record<string, number[]> = {};
    for (const [k, ring] of e.history) history[k] = [...ring];
    return { ...e.view, fields: { ...e.view.fields }, history };
  }
}
