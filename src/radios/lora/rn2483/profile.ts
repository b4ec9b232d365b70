import type { CommandTiming, ModemProfile, RadioSettings } from '../modem-driver';

/** Microchip RN2483 (EU 433/868 MHz) and RN2903 (US 915 MHz): one protocol, 57600 baud, CRLF. */
export const rn2483Profile: ModemProfile = {
  names: ['rn2483', 'rn2903'],
  defaultBaud: 57600,
  eol: '\r\n',
  probe: {
    command: 'sys get ver',
    matches: (line: string) => /^RN2(483|903)\b/.test(line.trim()),
  },
  createDriver: (settings: RadioSettings, timing?: Partial<CommandTiming>) =>
    // The driver loads with the first modem of this family: a gateway without one never pays for it.
    new (require('./driver') as typeof import('./driver')).Rn2483Driver(settings, timing),
};
