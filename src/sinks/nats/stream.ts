/**
 * The stream the sink publishes into: created when absent (subjects `<prefix>.>`, file storage,
 * the configured duplicate window), checked when present. A stream that cannot work for us
 * (subjects not covering ours, no duplicate window, no acks, sealed, a mirror) is reported as a
 * problem instead of being published into: nothing is committed until it is fixed.
 */
import { JetStreamApiCodes, JetStreamApiError, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { Logger } from '../../util/log';
import { classify, type NatsCause } from './errors';
import type { NatsConfig } from './options';
import { subjectCovers } from './subject';

/** What the sink needs from its stream. */
export interface StreamWanted {
  name: string;
  /** Subject prefix: the stream takes `<prefix>.>` when we create it. */
  prefix: string;
  /** What this gateway publishes: `<prefix>.<gw>.>`. */
  ours: string;
  duplicateWindowS: number;
  replicas: number;
}

/** What `upstream.nats` asks of the stream, for gateway `gatewayId`. */
export function wantedStream(cfg: NatsConfig, gatewayId: string): StreamWanted {
  return {
    name: cfg.stream,
    prefix: cfg.subject_prefix,
    ours: `${cfg.subject_prefix}.${gatewayId}.>`,
    duplicateWindowS: cfg.duplicate_window_s,
    replicas: cfg.replicas,
  };
}

/** Outcome of {@link ensureStream}. */
export type StreamCheck =
  | { ok: true; created: boolean; duplicateWindowS: number; warning?: string }
  | { ok: false; cause: 'no_stream' | 'stream_unusable' | 'no_permission'; problem: string };

const NANOS_PER_S = 1_000_000_000;

/** Why an existing stream's settings cannot carry our readings, or undefined when they can. */
export function streamProblem(cfg: Partial<StreamConfig>, want: StreamWanted): string | undefined {
  const subjects = cfg.subjects ?? [];
  if (cfg.mirror) return `stream ${want.name} is a mirror: it takes no publishes`;
  if (cfg.sealed) return `stream ${want.name} is sealed: it takes no publishes`;
  if (cfg.no_ack) return `stream ${want.name} has no_ack set: publishes are never acknowledged`;
  if (!subjects.some((s) => subjectCovers(s, want.ours))) {
    return `stream ${want.name} takes subjects [${subjects.join(', ')}], which do not cover ${want.ours}`;
  }
  if (!cfg.duplicate_window) return `stream ${want.name} has a duplicate window of 0: copies from other gateways and resends would be stored twice`;
  return undefined;
}

function isPermission(err: unknown): boolean {
  return /permission/i.test((err as Error)?.message ?? '');
}

/** Looks the stream up, creates it if absent, and says whether it can be published into. */
export async function ensureStream(jsm: JetStreamManager, want: StreamWanted): Promise<StreamCheck> {
  let cfg: StreamConfig;
  let created = false;
  try {
    cfg = (await jsm.streams.info(want.name)).config;
  } catch (err) {
    if (isPermission(err)) return { ok: false, cause: 'no_permission', problem: `may not look up stream ${want.name}: ${(err as Error).message}` };
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    try {
      cfg = (
        await jsm.streams.add({
          name: want.name,
          subjects: [`${want.prefix}.>`],
          storage: StorageType.File,
          duplicate_window: want.duplicateWindowS * NANOS_PER_S,
          num_replicas: want.replicas,
        })
      ).config;
      created = true;
    } catch (e) {
      const why = (e as Error).message;
      return {
        ok: false,
        cause: 'no_stream',
        problem: `stream ${want.name} does not exist and could not be created (${why}); create it with subjects "${want.prefix}.>"`,
      };
    }
  }
  const problem = streamProblem(cfg, want);
  if (problem) return { ok: false, cause: 'stream_unusable', problem };
  const windowS = cfg.duplicate_window / NANOS_PER_S;
  const warning =
    windowS < want.duplicateWindowS
      ? `stream ${want.name} de-duplicates over ${windowS} s, less than duplicate_window_s ${want.duplicateWindowS}: older resends are stored again`
      : undefined;
  return { ok: true, created, duplicateWindowS: windowS, ...(warning ? { warning } : {}) };
}

/**
 * Whether the sink may publish: the result of the last stream check. A problem is logged once
 * (one clear line per new problem) and re-checked every `recheckMs` until fixed.
 */
export class StreamGuard {
  ready = false;
  problem: string | undefined;
  warning: string | undefined;
  private checking = false;
  private again: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly want: StreamWanted,
    private readonly recheckMs: number,
    private readonly log: Logger,
    /** A problem's cause, for the sink's error counts. */
    private readonly onProblem: (cause: NatsCause, problem: string) => void,
    /** The stream became usable: publishing may start. */
    private readonly onReady: () => void,
  ) {}

  /** Looks the stream up (or creates it) on `jsm`; `current()` says whether that connection is still ours. */
  async check(jsm: JetStreamManager, current: () => boolean): Promise<void> {
    if (this.closed) return;
    if (this.checking) {
      // One check at a time; a request made meanwhile (e.g. a new connection) runs right after.
      this.again = () => void this.check(jsm, current);
      return;
    }
    this.checking = true;
    clearTimeout(this.timer);
    try {
      const r: StreamCheck = await ensureStream(jsm, this.want).catch((err: Error) => ({
        ok: false as const,
        cause: classify(err) as 'no_stream',
        problem: `stream ${this.want.name} could not be checked: ${err.message}`,
      }));
      if (this.closed || !current()) return;
      if (r.ok) {
        if (r.created) this.log.info({ stream: this.want.name, subjects: `${this.want.prefix}.>`, duplicate_window_s: r.duplicateWindowS, replicas: this.want.replicas }, 'nats sink: stream created');
        if (r.warning && r.warning !== this.warning) this.log.warn({ stream: this.want.name }, `nats sink: ${r.warning}`);
        if (this.problem) this.log.info({ stream: this.want.name }, 'nats sink: stream usable again');
        this.warning = r.warning;
        this.problem = undefined;
        this.ready = true;
        this.onReady();
        return;
      }
      this.ready = false;
      if (r.problem !== this.problem) this.log.error({ stream: this.want.name, cause: r.cause }, `nats sink: ${r.problem}`);
      this.problem = r.problem;
      this.onProblem(r.cause, r.problem);
      this.timer = setTimeout(() => void this.check(jsm, current), this.recheckMs);
      this.timer.unref();
    } finally {
      this.checking = false;
      const again = this.again;
      this.again = undefined;
      again?.();
    }
  }

  /** The connection is gone or the stream vanished: check again before publishing. */
  invalidate(): void {
    this.ready = false;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
