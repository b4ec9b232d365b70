import type { ControlHandler } from '../protocol';
import { devices } from './devices';
import { pair } from './pair';
import { ping } from './ping';
import { scan } from './scan';
import { status } from './status';
import { unpair } from './unpair';

export { BadRequest } from './args';

/** Dispatch table: one handler per control command. */
export const HANDLERS: Readonly<Record<string, ControlHandler>> = Object.freeze({
  status, devices, pair, unpair, scan, ping,
});
