import type { ControlHandler } from '../protocol';

/** Liveness probe: answers without touching the rest of the gateway. */
export const ping: ControlHandler = () => ({ pong: true, pid: process.pid, time: new Date().toISOString() });
