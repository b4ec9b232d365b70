import type { ControlHandler } from '../protocol';
import { requireBle } from './ble';

/** Enrolled BLE devices (the BleControl contract never hands out keys, only `hasKey`). */
export const devices: ControlHandler = (_args, gw) =>
  requireBle(gw).devices().map((d) => ({ mac: d.mac, name: d.name, hasKey: d.hasKey, pairedAt: d.pairedAt }));
