import type { CommandTiming, ModemProfile, RadioSettings } from '../modem-driver';

/** RAKwireless RAK3172 with RUI3 AT firmware, 115200 baud, CRLF (old AT firmware: set `baud: 9600`). */
export const rak3172Profile: ModemProfile = {
  names: ['rak3172'],
  defaultBaud: 115200,
  eol: '\r\n',
  probe: {
    command: 'AT+VER=?',
    // RUI3 answers `AT+VER=RUI_4.0.6_RAK3172-E`; the older AT firmware names the module instead.
    matches: (line: string) => /RUI_|RAK3172/.test(line),
  },
  createDriver: (settings: RadioSettings, timing?: Partial<CommandTiming>) =>
    // The driver loads with the first modem of this family: a gateway without one never pays for it.
    new (require('./driver') as typeof import('./driver')).Rak3172Driver(settings, timing),
};
