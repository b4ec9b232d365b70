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
  /** The driver's view of the modem changed (`receiving` once receive mode is armed). */
  | { type: 'state'; state: 'initialising' | 'receiving' | 'error'; detail?: string }
  /** A counted drop (unparseable line, bad hex, modem error). */
  | { type: 'drop'; cause: string; detail?: string };

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
  createDriver(settings: RadioSettings): ModemDriver;
}
