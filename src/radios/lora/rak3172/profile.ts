import type { CommandTiming, ModemProfile, RadioSettings } from '../modem-driver';
import { Rak3172Driver } from './driver';

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
  createDriver: (settings: RadioSettings, timing?: Partial<CommandTiming>) => new Rak3172Driver(settings, timing),
};
