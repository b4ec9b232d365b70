import type { Reading } from '../core/reading';

export { DropCounter } from '../util/drop-counter';

/**
 * Life-cycle state of an adapter, as shown by `lowband status`. `deaf`: the port is open but the
 * radio is not known to listen (a modem that neither delivered nor answered a liveness probe in
 * time); it is being re-armed or reopened, and readings are being lost meanwhile.
 */
export type AdapterState = 'starting' | 'running' | 'reconnecting' | 'degraded' | 'deaf' | 'stopped';

/** Snapshot of one adapter for `lowband status`. */
export interface AdapterStatus {
  name: string;
  /** Family, e.g. `rn2483`, `rak3172`, `wio-e5`, `semtech-udp`, `ble`. */
  kind: string;
  state: AdapterState;
  /** Human-readable reason for the current state (last error, port path). */
  detail?: string;
  /** Receive time (µs since epoch) of the last packet heard, if any. */
  lastHeardUs?: number;
  /** Packets heard and handed to the pipeline. */
  received: number;
  /** Counted drops by cause (`garbage`, `line_too_long`, `crc`, `malformed`, ...). */
  drops: Record<string, number>;
}

/** Where an adapter hands its readings: synchronous and never blocking (the pipeline queues). */
export type ReadingSink = (reading: Reading) => void;

/**
 * The small common contract every radio adapter honours. Data flows one way:
 * the adapter calls `emit` for each reception; it never sees what happens after.
 */
export interface RadioAdapter {
  readonly name: string;
  start(emit: ReadingSink): Promise<void>;
  stop(): Promise<void>;
  status(): AdapterStatus;
}

