import type { EmulatedModem, EmulatorOptions, ModemEmulatorCore } from './core';
import { Rak3172Emulator } from './rak3172';
import { Rn2483Emulator } from './rn2483';
import { WioE5Emulator } from './wio-e5';

export type { EmulatedModem, EmulatorOptions, ModemEmulatorCore } from './core';
export { Rak3172Emulator } from './rak3172';
export { Rn2483Emulator } from './rn2483';
export { WioE5Emulator } from './wio-e5';

/** A fresh emulator core for a config `modem:` name. */
export function createEmulatorCore(modem: EmulatedModem, opts: EmulatorOptions = {}): ModemEmulatorCore {
  switch (modem) {
    case 'rn2483':
      return new Rn2483Emulator({ ...opts, family: 'RN2483' });
    case 'rn2903':
      return new Rn2483Emulator({ ...opts, family: 'RN2903' });
    case 'rak3172':
      return new Rak3172Emulator(opts);
    case 'wio-e5':
      return new WioE5Emulator(opts);
    default: {
      const never: never = modem;
      throw new Error(`no emulator for modem ${String(never)}`);
    }
  }
}
