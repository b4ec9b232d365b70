import type { ControlHandler } from '../protocol';
import { normaliseMac } from './args';
import { requireBle } from './ble';

/** Removes an enrolled device; `removed: false` when it was not enrolled. */
export const unpair: ControlHandler = async (args, gw) => {
  const mac = normaliseMac(args.mac);
  const removed = await requireBle(gw).unpair(mac);
  return { mac, removed };
};
