import { randomBytes } from 'node:crypto';
import { ADV_TYPES, EmulatedHciSocket, type AdvReport } from './hci-socket';
import { EmulatedSensor, manufacturerData, type SensorSpec } from './sensors';

export { EmulatedHciSocket, OPCODES, ADV_TYPES, encodeAdvertisingReport, encodeCommandComplete } from './hci-socket';
export { EmulatedSensor } from './sensors';
export type { SensorSpec, SensorKind } from './sensors';

/** Public BTHome v2 encryption test vector (bthome.io): key and MAC. */
export const BTHOME_VECTOR = { key: '231d39c1d7cc1ab1aee224cd096db932', mac: '5448e68f80a5' } as const;

/** The sensors `lowband demo` plays when none are given: one of each supported family. */
export function defaultSensors(intervalMs = 1000): SensorSpec[] {
  return [
    { kind: 'bthome', mac: 'a4:c1:38:00:00:01', name: 'bthome-plain', intervalMs },
    { kind: 'bthome-encrypted', mac: BTHOME_VECTOR.mac, key: BTHOME_VECTOR.key, name: 'bthome-encrypted', intervalMs },
    { kind: 'ruuvi', mac: 'cb:b8:33:4c:88:4f', name: 'Ruuvi 884F', intervalMs },
    { kind: 'atc1441', mac: 'a4:c1:38:d5:d4:98', name: 'ATC_D5D498', intervalMs },
    { kind: 'ibeacon', mac: 'c0:ff:ee:00:00:01', name: 'beacon', intervalMs },
  ];
}

/** Options for {@link createEmulatedBle}. */
export interface EmulatedBleOptions {
  sensors?: SensorSpec[];
  /** Interval for the default sensors. */
  intervalMs?: number;
  bdAddr?: string;
}

/** A BLE controller plus sensors, fed to noble's real hci-socket code through a fake socket. */
export interface EmulatedBle {
  /** Give this to `loadNoble({ hci, socket })`. */
  socket: EmulatedHciSocket;
  sensors: EmulatedSensor[];
  /** Starts each sensor's advertising timer. */
  start(): void;
  stop(): void;
  /** Every sensor advertises its next measurement now (deterministic tests). */
  advertiseAll(): void;
  /** Adapter goes down until noble notices, then up again; resolves when noble saw it down. */
  powerCycle(): Promise<void>;
  /** Another process disables scanning (noble emits `scanStop`). */
  dropScan(): void;
  /** `n` adverts from `n` distinct random addresses, in batches that yield to the event loop. */
  flood(n: number, opts?: { batch?: number }): Promise<number>;
}

/** Random static address: top two bits set, as rotating-privacy phones and tags use. */
function randomAddress(): string {
  const b = randomBytes(6);
  b[0] |= 0xc0;
  return b.toString('hex');
}

/** Builds the emulated controller and sensors; nothing runs until `start()` or `advertiseAll()`. */
export function createEmulatedBle(opts: EmulatedBleOptions = {}): EmulatedBle {
  const socket = new EmulatedHciSocket({ bdAddr: opts.bdAddr });
  const sensors = (opts.sensors ?? defaultSensors(opts.intervalMs)).map((s) => new EmulatedSensor(s));
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const send = (s: EmulatedSensor): void => {
    socket.advertise(s.next());
  };

  return {
    socket,
    sensors,
    start(): void {
      stopped = false;
      for (const s of sensors) timers.push(setInterval(() => send(s), s.intervalMs));
    },
    stop(): void {
      stopped = true;
      for (const t of timers.splice(0)) clearInterval(t);
      socket.stop();
    },
    advertiseAll(): void {
      for (const s of sensors) send(s);
    },
    powerCycle: () => socket.powerCycle(),
    dropScan: () => socket.dropScan(),
    flood(n: number, fopts: { batch?: number } = {}): Promise<number> {
      const batch = fopts.batch ?? 256;
      let sent = 0;
      return new Promise((resolve) => {
        const step = (): void => {
          if (stopped) return resolve(sent);
          const end = Math.min(n, sent + batch);
          for (; sent < end; sent++) {
            const payload = randomBytes(8 + (sent % 12));
            const r: AdvReport = {
              address: randomAddress(),
              addressType: 'random',
              // half connectable, so the NOBLE_REPORT_ALL_HCI_EVENTS path is exercised too
              advType: sent % 2 === 0 ? ADV_TYPES.ADV_IND : ADV_TYPES.ADV_NONCONN_IND,
              data: manufacturerData(0x004c + (sent % 7), payload),
              rssi: -70 - (sent % 20),
            };
            socket.advertise([r]);
          }
          if (sent >= n) resolve(sent);
          else setImmediate(step);
        };
        step();
      });
    },
  };
}
