import { formatMac } from '../../radios/ble/pairing';
import type { ControlHandler } from '../protocol';
import { requireBle } from './ble';

/**
 * Enrolled BLE devices (the BleControl contract never hands out keys, only `hasKey`), with
 * `error` set for one whose adverts fail for a reason only re-pairing fixes (`auth_failed`, `no_key`).
 */
export const devices: ControlHandler = (_args, gw) =>
  requireBle(gw).devices().map((d) => ({
    mac: formatMac(d.mac), name: d.name, ...(d.model ? { model: d.model } : {}), hasKey: d.hasKey, pairedAt: d.pairedAt, ...(d.error ? { error: d.error } : {}),
  }));
