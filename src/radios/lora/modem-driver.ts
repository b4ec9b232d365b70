/**
 * The contract between a serial LoRa modem's pure driver (wire protocol, tested with strings)
 * and the shared serial adapter that owns the port, the line framing and the timer.
 */

/** A packet the modem reported, before it becomes a Reading. */
export interface ModemPacket {
  raw: Buffer;
  rssi?: number;
  snr?: number;
  freq?: number;
  dr?: string;
}

/** What the driver asks the adapter to do, in order. */
export type DriverAction =
  /** Write one command line; the adapter appends the profile's end-of-line. */
  | { type: 'write'; line: string }
  /** A received packet. */
  | { type: 'packet'; packet: ModemPacket }
  /** (Re)arm the driver's single timer; `ms: 0` cancels it. On expiry the adapter calls `onTimeout()`. */
  | { type: 'timer'; ms: number }
  /**
   * The driver's view of the modem changed: `receiving` once receive is armed or re-confirmed,
   * `deaf` when an armed modem neither delivered nor answered a liveness probe in time (it stays
   * deaf, whatever else is reported, until `receiving` again).
   */
  | { type: 'state'; state: 'initialising' | 'receiving' | 'deaf' | 'error'; detail?: string }
  /** The modem stays silent through a re-initialisation: close the port and open it again (with backoff). */
  | { type: 'reopen'; reason: string }
  /** A counted drop (unparseable line, bad hex, modem error). */
  | { type: 'drop'; cause: string; detail?: string };

/** Timing knobs every command-driven modem driver has; tests shorten nothing, they call `onTimeout()` directly. */
export interface CommandTiming {
  /** How long one command (and a liveness probe) may wait for its answer. */
  commandTimeoutMs: number;
  /** Noise while a command waits: its answer is probably lost, so the wait is cut to this (at 9600 baud a 120-character answer takes 125 ms). */
  noiseGraceMs: number;
  /**
   * Receive armed but no packet for this long: probe the modem (send its arm command again). A
   * modem that neither delivered nor answered the probe within this bound plus one command
   * timeout is deaf: re-initialised, and if that fails too, its port is reopened.
   */
  livenessMs: number;
  /** First retry delay after the modem refused an init command; doubles per failure. */
  backoffMinMs: number;
  backoffMaxMs: number;
}

/** LoRa P2P receive settings from config `lora[].radio`. */
export interface RadioSettings {
  freq: number;
  sf: number;
  bw: number;
  cr: string;
}

/** A modem family's pure protocol state machine: lines in, actions out. */
export interface ModemDriver {
  /** Begin (or restart) initialisation after the port opened. */
  start(): DriverAction[];
  /** One line received from the modem, end-of-line stripped. */
  onLine(line: string): DriverAction[];
  /** The adapter threw bytes away (an over-long line): whatever the modem said meanwhile is lost. */
  onLineLost(): DriverAction[];
  /** The timer armed by the last `timer` action expired. */
  onTimeout(): DriverAction[];
}

/** Static facts about a modem family used by the adapter and by `port: auto`. */
export interface ModemProfile {
  /** Config `modem:` names this profile answers to. */
  names: string[];
  defaultBaud: number;
  eol: string;
  /** A harmless query and a test for its answer, used to detect which modem sits on a port. */
  probe: { command: string; matches: (line: string) => boolean };
  createDriver(settings: RadioSettings, timing?: Partial<CommandTiming>): ModemDriver;
}
