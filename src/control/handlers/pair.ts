import { formatMac, MODEL_ID } from '../../radios/ble/pairing';
import type { ControlHandler } from '../protocol';
import { BadRequest, optionalString } from './args';
import { macArg, requireBle } from './ble';

const KEY = /^[0-9A-Fa-f]{32}$/;

/**
 * Enrols a BLE sensor; the optional bindkey is 16 bytes of hex and is never echoed back.
 * Without `name` or `model`, a sensor paired again keeps the one it had.
 */
export const pair: ControlHandler = async (args, gw) => {
  const mac = macArg(args.mac);
  const name = optionalString(args, 'name');
  const model = optionalString(args, 'model', 32);
  if (model !== undefined && !MODEL_ID.test(model)) throw new BadRequest('model: letters, digits, . _ + - (a model id as docs/sensors.md names it)');
  const rawKey = args.key;
  let key: string | undefined;
  if (rawKey !== undefined && rawKey !== null) {
    if (typeof rawKey !== 'string' || !KEY.test(rawKey)) {
      // The value itself stays out of the error: it may be a mistyped secret.
      throw new BadRequest('key: expected 32 hex digits (a 16-byte bindkey)');
    }
    key = rawKey.toLowerCase();
  }
  const d = await requireBle(gw).pair(formatMac(mac), { name, key, ...(model ? { model } : {}) });
  return { mac: formatMac(d.mac), name: d.name, ...(d.model ? { model: d.model } : {}), hasKey: d.hasKey, pairedAt: d.pairedAt };
};
