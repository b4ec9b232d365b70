/** A pure model of a serial LoRa modem's firmware: command lines in, response lines out, no I/O. */
export interface ModemEmulatorCore {
  readonly baud: number;
  readonly eol: string;
  /** One command line from the host (EOL stripped) → response lines to write back. */
  onCommand(line: string): string[];
  /** The radio "hears" a packet: lines to send if receive is armed, else [] (not armed = lost, as on real hardware). */
  hear(payload: Buffer, rssi: number, snr: number): string[];
  /** The radio hears a corrupt packet (CRC error): the firmware's error event if receive is armed. */
  hearCorrupt(): string[];
  /** Receive goes off without a word (a firmware glitch, an event line the host never got): the radio is deaf until re-armed. */
  deafen(): void;
  /** Is continuous receive armed right now? */
  readonly receiving: boolean;
  /** Power-cycle: forget all state. */
  reset(): void;
}

/** Modem names the emulator factory knows. */
export type EmulatedModem = 'rn2483' | 'rn2903' | 'rak3172' | 'wio-e5';

/** Options shared by all emulator cores. */
export interface EmulatorOptions {
  /** RN2483: firmware 1.0.3 (no RSSI query, no `radio rxstop`). RAK3172: old 9600-baud AT firmware (two-line events). */
  oldFirmware?: boolean;
}
