import { formatMac } from '../../radios/ble/pairing';
import type { ControlHandler } from '../protocol';
import { macArg, requireBle } from './ble';

/** Removes an enrolled device; `removed: false` when it was not enrolled. */
export const unpair: ControlHandler = async (args, gw) => {
  const mac = formatMac(macArg(args.mac));
  const removed = await requireBle(gw).unpair(mac);
  return { mac, removed };
};
