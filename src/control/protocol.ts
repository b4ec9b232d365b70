import type { AdapterStatus } from '../radios/adapter';
import type { SinkStatus } from '../sinks/sink';
import type { BleControl } from '../radios/ble/pairing';

/**
 * Local control API: newline-delimited JSON over a unix socket (mode 0660, service group).
 * One request line `{"id":n,"cmd":"status","args":{...}}` gets one response line
 * `{"id":n,"ok":true,"result":...}` or `{"id":n,"ok":false,"error":"..."}`.
 */
export interface ControlRequest {
  id?: number;
  cmd: string;
  args?: Record<string, unknown>;
}

export type ControlResponse =
  | { id?: number; ok: true; result: unknown; trimmed?: TrimmedList[] }
  | { id?: number; ok: false; error: string };

/** A list or map in a result cut to fit the reply bound: where, how much kept, how much left out. */
export interface TrimmedList {
  /** JSON path of the list in `result`, e.g. `$.adapters[2].forwarders`. */
  path: string;
  kept: number;
  omitted: number;
}

/** The control server's own figures in `lowband status --json`. */
export interface ControlStatus {
  /** Open client connections and the limit. */
  connections: number;
  maxConnections: number;
  /** Connections and requests cut off by a limit, by cause: `refused` (slots full, all busy),
   *  `evicted` (idle, closed to make room), `timed_out`, `too_large`, `slow_reader`, `rate_limited`. */
  drops: Record<string, number>;
  /** Replies shortened to fit the reply bound. */
  trimmedReplies: number;
}

/** An enrolled BLE device as listed by `lowband devices` (never the key itself). */
export type { PairedDevice } from '../radios/ble/pairing';
/** Devices seen nearby, and what the BLE side offers: its records (src/radios/ble/pairing.ts), re-exported for the handlers. */
export type { BleControl, NearbyDevice } from '../radios/ble/pairing';

/** Whole-gateway snapshot for `lowband status` (schema documented in docs/status.md). */
export interface GatewayStatus {
  version: string;
  gateway: string;
  pid: number;
  startedAt: string;
  uptimeS: number;
  seq: string;
  readings: { total: number; perSecond: number };
  /** Pipeline drops by cause (`duplicate`, `encode`, ...). */
  drops: Record<string, number>;
  adapters: AdapterStatus[];
  sinks: SinkStatus[];
  spool?: Record<string, unknown>;
  /** Counters of shared decoding stages, e.g. `lorawan: { decoded, mic_failed, codec_error }`. */
  decoders?: Record<string, Record<string, number>>;
  /** Conditions needing attention (`spool: disk full, memory only`). */
  alarms: string[];
  /** The control socket's limits at work (the control service's own status). */
  control?: ControlStatus;
}

/** What a control handler can reach in the running gateway. */
export interface GatewayServices {
  status(): GatewayStatus;
  ble?: BleControl;
}

/** One handler per command (src/control/handlers/<cmd>.ts). */
export type ControlHandler = (args: Record<string, unknown>, gw: GatewayServices) => Promise<unknown> | unknown;
