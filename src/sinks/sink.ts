import type { LogCursor } from '../pipeline/message-log';
import type { DropCounter } from '../util/drop-counter';

/** Snapshot of one upstream sink for `lowband status`. */
export interface SinkStatus {
  name: string;
  /** `publish`, `reliable`, `mqtt`. */
  kind: string;
  /** `connected`, `connecting`, `listening`, `disconnected`, `stopped`, ... */
  state: string;
  /** Last seq delivered (publish) or acknowledged (reliable, mqtt), as a decimal string. */
  cursor: string;
  inFlight: number;
  backlog: { messages: number; bytes: number };
  drops: Record<string, number>;
  /** Sink-specific extras (subscriber count, refused clients, ...). */
  [extra: string]: unknown;
}

/** An upstream destination that drains one cursor of the message log. */
export interface Sink {
  readonly name: string;
  /** Open sockets and start the writer loop reading `cursor`. */
  start(cursor: LogCursor): Promise<void>;
  /** Deliver what is pending within `drainMs`, then close sockets without hanging. */
  stop(drainMs: number): Promise<void>;
  status(): SinkStatus;
}

/** A sink's drops for status: what its cursor lost to overflow plus what the sink itself counted. */
export function sinkDrops(cursor: LogCursor | undefined, own: DropCounter | undefined): Record<string, number> {
  const drops: Record<string, number> = { ...(cursor?.drops ?? {}) };
  for (const [k, v] of Object.entries(own?.byCause ?? {})) drops[k] = (drops[k] ?? 0) + v;
  return drops;
}
