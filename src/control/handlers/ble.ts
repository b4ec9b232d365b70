import type { BleControl } from '../../radios/ble/pairing';
import type { GatewayServices } from '../protocol';
import { BadRequest } from './args';

/** The BLE side, or a clear refusal when the gateway runs without it. */
export function requireBle(gw: GatewayServices): BleControl {
  if (!gw.ble) throw new BadRequest('BLE is not running in this gateway (ble.enabled is false or no adapter)');
  return gw.ble;
}
