import type { ModemProfile } from './modem-driver';
import { rak3172Profile } from './rak3172/profile';
import { rn2483Profile } from './rn2483/profile';
import { wioE5Profile } from './wio-e5/profile';

/** Every serial modem family lowband drives, in `port: auto` probing order. */
export const MODEM_PROFILES: ModemProfile[] = [rn2483Profile, rak3172Profile, wioE5Profile];

/** The profile for a config `modem:` name (rn2483, rn2903, rak3172, wio-e5), if known. */
export function profileFor(modem: string): ModemProfile | undefined {
  const name = modem.trim().toLowerCase();
  return MODEM_PROFILES.find((p) => p.names.includes(name));
}
