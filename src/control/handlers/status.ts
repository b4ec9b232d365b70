import type { ControlHandler } from '../protocol';

/** The whole-gateway snapshot (schema: docs/status.schema.json). */
export const status: ControlHandler = (_args, gw) => gw.status();
