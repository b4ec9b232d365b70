import type { CommandTiming, ModemProfile, RadioSettings } from '../modem-driver';

/** Seeed Wio-E5 / LoRa-E5 with Seeed AT firmware, 9600 baud, CRLF. */
export const wioE5Profile: ModemProfile = {
  names: ['wio-e5'],
  defaultBaud: 9600,
  eol: '\r\n',
  probe: {
    command: 'AT+VER',
    matches: (line: string) => /^\+VER:\s*\d+\.\d+/.test(line.trim()),
  },
  createDriver: (settings: RadioSettings, timing?: Partial<CommandTiming>) =>
    // The driver loads with the first modem of this family: a gateway without one never pays for it.
    new (require('./driver') as typeof import('./driver')).WioE5Driver(settings, timing),
};
