import { formatMac, type NearbyDevice } from '../../radios/ble/pairing';
import type { ControlHandler } from '../protocol';
import { BadRequest } from './args';
import { requireBle } from './ble';

/** Longest listen a client may ask for; keeps a connection from being held for ever. */
export const MAX_SCAN_SECONDS = 120;

/**
 * Nearby devices (MACs as aa:bb:cc:dd:ee:ff; `error` marks a paired one that fails to decode). The gateway scans all the time; `seconds` only waits that long first so
 * slow advertisers (one advert a minute) make it into the list.
 */
export const scan: ControlHandler = async (args, gw) => {
  const ble = requireBle(gw);
  const s = args.seconds ?? 0;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > MAX_SCAN_SECONDS) {
    throw new BadRequest(`seconds: expected a number from 0 to ${MAX_SCAN_SECONDS}`);
  }
  if (s > 0) await new Promise((r) => setTimeout(r, s * 1000).unref());
  const list: NearbyDevice[] = ble.nearby().map((d) => ({ ...d, mac: formatMac(d.mac) }));
  list.sort((a, b) => b.rssi - a.rssi);
  return list;
};
