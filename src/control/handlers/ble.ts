import { normaliseMac, type BleControl } from '../../radios/ble/pairing';
import type { GatewayServices } from '../protocol';
import { BadRequest } from './args';

/** The BLE side, or a clear refusal when the gateway runs without it. */
export function requireBle(gw: GatewayServices): BleControl {
  if (!gw.ble) throw new BadRequest('BLE is not running in this gateway (ble.enabled is false or no adapter)');
  return gw.ble;
}

/** The `mac` argument as 12 hex digits; a BadRequest saying which forms are taken otherwise. */
export function macArg(v: unknown): string {
  try {
    return normaliseMac(v);
  } catch (err) {
    throw new BadRequest(`mac: ${(err as Error).message}`);
  }
}
