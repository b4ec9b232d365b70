import fs from 'node:fs';
import pino from 'pino';
import { Router } from 'zeromq';
import { writeFileAtomicSync } from '../util/atomic-file';
import type { Logger } from '../util/log';
import { decodeFrames, Flag, type WireMessage } from '../wire/message';

/** Options for {@link Collector}. */
export interface CollectorOptions {
  /** ZeroMQ endpoint to bind (tcp://host:0 picks a free port; see `endpoint`). */
  bind: string;
  /** Append one JSON line per unique message here; acks wait until the line is fdatasync'd. */
  out?: string;
  /** Batch interval for writing and syncing `out` (default 50 ms). */
  fsyncMs?: number;
  /** Recent keys remembered for de-duplication (default 100 000). */
  dedupKeys?: number;
  /**
   * How long a hole in a gateway's seq may stay open before the collector acknowledges past it
   * (default 10 s). Gateways resend from their first unacknowledged message on every ack timeout
   * and reconnect, so a hole that outlives this was dropped on the gateway and will never come.
   * Also the settle time for a gateway seen for the first time (its seq stream's start is unknown).
   */
  gapMs?: number;
  logger?: Logger;
  /** Called once per received message, after storing (tests and `--json` use it). */
  onMessage?: (m: WireMessage, duplicate: boolean) => void;
  /** Extra socket setup before bind (e.g. CURVE server keys and a ZAP handler). */
  socketOptions?: (socket: Router) => void;
}

/** Counters of a collector. */
export interface CollectorStats {
  received: number;
  duplicates: number;
  unique: number;
  malformed: number;
  acksSent: number;
  gapsSkipped: number;
  gateways: number;
}

/** Per-gateway (body `gw`) acknowledgement state. */
interface GatewayState {
  /** Highest seq acknowledged, undefined until the stream start is known. */
  acked: bigint | undefined;
  /** Stored seqs above `acked`. */
  stored: Set<bigint>;
  /** Ranges (first → last) announced as never coming, by a restart's sys/online. */
  skips: Map<bigint, bigint>;
  minSeen: bigint | undefined;
  firstSeenAt: number;
  gapSince: number | undefined;
  /** Routing id of the connection that last sent: acks go there. */
  peer: Buffer;
  ackDue: boolean;
}

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

/**
 * `sys/online` carries `prev_seq`, the highest seq the gateway had stored before it (re)started:
 * the seqs between that and the event's own were never issued, so acks may jump over them.
 * Bounded: only the most recent restarts are remembered.
 */
function noteRestart(gw: GatewayState, m: WireMessage): void {
  if (m.topic !== 'sys/online') return;
  const prev = m.body.prev_seq;
  const p = typeof prev === 'number' ? BigInt(prev) : typeof prev === 'bigint' ? prev : undefined;
  if (p === undefined || p + 1n > m.seq - 1n) return;
  gw.skips.set(p + 1n, m.seq - 1n);
  if (gw.skips.size > 16) gw.skips.delete(gw.skips.keys().next().value as bigint);
}

/** Ack positions are kept next to the out file, under this suffix. */
export const ACKS_SUFFIX = '.acks.json';

/** One message as a JSON object (bytes as hex, 64-bit integers as decimal strings). */
export function messageJson(m: WireMessage): Record<string, unknown> {
  return {
    seq: m.seq.toString(),
    key: m.key.toString('hex'),
    topic: m.topic,
    kind: m.kind,
    radio: m.radio,
    flags: m.flags,
    time_us: m.timeUs.toString(),
    body: jsonValue(m.body),
  };
}

/**
 * The reference backend for the reliable sink: a ROUTER that stores each message once
 * (de-duplicated by key over a bounded window of recent keys) and acknowledges, per gateway,
 * the highest seq up to which everything is stored.
 */
export class Collector {
  private readonly opts: CollectorOptions;
  private readonly log: Logger;
  private socket: Router | undefined;
  private readonly recent = new Map<string, true>();
  private readonly gateways = new Map<string, GatewayState>();
  private readonly counters: CollectorStats = { received: 0, duplicates: 0, unique: 0, malformed: 0, acksSent: 0, gapsSkipped: 0, gateways: 0 };
  private outFd: number | undefined;
  private lines: string[] = [];
  /** Seqs waiting for the current write batch to reach the disk. */
  private waitingDisk: { gw: GatewayState; seq: bigint; key?: string }[] = [];
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;
  private ackScheduled = false;
  private acking = false;
  private loops: Promise<void>[] = [];
  private stopped = false;

  constructor(opts: CollectorOptions) {
    this.opts = opts;
    this.log = opts.logger ?? pino({ level: 'silent' });
  }

  /** Bind and start acknowledging; resolves with the bound endpoint (the real port for tcp://...:0). */
  async start(): Promise<string> {
    if (this.opts.out) {
      this.outFd = fs.openSync(this.opts.out, 'a', 0o644);
      this.loadAcks(this.opts.out + ACKS_SUFFIX);
    }
    const s = new Router({ linger: 0, handover: true, receiveHighWaterMark: 10_000 });
    this.opts.socketOptions?.(s);
    await s.bind(this.opts.bind);
    this.socket = s;
    this.loops.push(this.receive(s));
    const every = Math.max(5, Math.min(this.opts.fsyncMs ?? 50, Math.floor((this.opts.gapMs ?? 10_000) / 4)));
    this.timer = setInterval(() => this.tick(), every);
    return this.endpoint;
  }

  /** The endpoint actually bound. */
  get endpoint(): string {
    return this.socket?.lastEndpoint ?? this.opts.bind;
  }

  stats(): CollectorStats {
    return { ...this.counters, gateways: this.gateways.size };
  }

  /** Flush the out file and close the socket. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.socket?.close();
    await Promise.allSettled(this.loops);
    while (this.flushing) await new Promise((r) => setTimeout(r, 5));
    this.flushSync();
    if (this.outFd !== undefined) fs.closeSync(this.outFd);
    this.outFd = undefined;
  }

  private async receive(s: Router): Promise<void> {
    try {
      for await (const [peer, ...frames] of s) this.onMessage(peer, frames);
    } catch (err) {
      if (!this.stopped) this.log.error({ err: (err as Error).message }, 'collector: receive failed');
    }
  }

  private onMessage(peer: Buffer, frames: Buffer[]): void {
    let m: WireMessage;
    try {
      m = decodeFrames(frames);
    } catch {
      this.counters.malformed++;
      return;
    }
    this.counters.received++;
    const gwId = typeof m.body.gw === 'string' ? m.body.gw : `peer:${peer.toString('hex')}`;
    let gw = this.gateways.get(gwId);
    if (!gw) {
      gw = { acked: undefined, stored: new Set(), skips: new Map(), minSeen: undefined, firstSeenAt: Date.now(), gapSince: undefined, peer, ackDue: false };
      this.gateways.set(gwId, gw);
    }
    gw.peer = peer;
    if (m.topic === 'sys/online' && gw.acked !== undefined && m.seq <= gw.acked) {
      // Its numbering started over (state_dir wiped, a new install under the same id): what we
      // acknowledged before says nothing about this stream.
      this.log.warn({ gw: gwId, seq: m.seq.toString(), acked: gw.acked.toString() }, 'collector: gateway seq started over; resetting its ack');
      gw.acked = m.seq - 1n;
      gw.stored.clear();
      gw.skips.clear();
    }
    noteRestart(gw, m);
    if (gw.minSeen === undefined || m.seq < gw.minSeen) gw.minSeen = m.seq;
    // Seq 1 is the very start of a gateway's stream: nothing before it can be missing.
    if (gw.acked === undefined && m.seq === 1n) gw.acked = 0n;
    const key = m.key.toString('hex');
    // Everything up to the acknowledged seq is stored (that is what the ack promised), also
    // across a collector restart where the recent-keys memory is gone.
    const duplicate = (gw.acked !== undefined && m.seq <= gw.acked) || this.recent.has(key);
    if (duplicate) {
      this.counters.duplicates++;
      this.recent.delete(key);
      this.recent.set(key, true);
      // The first copy may still be on its way to the disk: ack with the batch after it.
      if (this.outFd !== undefined) this.waitingDisk.push({ gw, seq: m.seq });
      else this.stored(gw, m.seq);
    } else {
      this.counters.unique++;
      this.recent.set(key, true);
      if (this.recent.size > (this.opts.dedupKeys ?? 100_000)) this.recent.delete(this.recent.keys().next().value as string);
      if (this.outFd !== undefined) {
        this.lines.push(JSON.stringify({ ...messageJson(m), redelivery: (m.flags & Flag.redelivery) !== 0 }) + '\n');
        this.waitingDisk.push({ gw, seq: m.seq, key });
      } else this.stored(gw, m.seq);
    }
    this.opts.onMessage?.(m, duplicate);
  }

  /** `seq` of `gw` is safely stored: advance its contiguous ack. */
  private stored(gw: GatewayState, seq: bigint): void {
    if (gw.acked !== undefined && seq <= gw.acked) {
      gw.ackDue = true; // a resend of something acked: the ack may have been lost, repeat it
    } else gw.stored.add(seq);
    this.advance(gw);
  }

  private advance(gw: GatewayState): void {
    if (gw.acked === undefined) return;
    let a = gw.acked;
    for (;;) {
      if (gw.stored.delete(a + 1n)) a++;
      else if (gw.skips.has(a + 1n)) {
        // A range the gateway said will never arrive (sys/online prev_seq).
        const to = gw.skips.get(a + 1n)!;
        gw.skips.delete(a + 1n);
        // Anything stored inside the skipped range is covered by the jump.
        for (const seq of gw.stored) if (seq <= to) gw.stored.delete(seq);
        a = to;
      } else break;
    }
    if (a !== gw.acked) {
      gw.acked = a;
      gw.ackDue = true;
    }
    gw.gapSince = gw.stored.size > 0 ? (gw.gapSince ?? Date.now()) : undefined;
    if (gw.ackDue) this.scheduleAcks();
  }

  private tick(): void {
    this.flushOut();
    const gapMs = this.opts.gapMs ?? 10_000;
    const now = Date.now();
    for (const [id, gw] of this.gateways) {
      if (gw.acked === undefined && gw.minSeen !== undefined && now - gw.firstSeenAt >= gapMs) {
        gw.acked = gw.minSeen - 1n;
        this.advance(gw);
      } else if (gw.acked !== undefined && gw.gapSince !== undefined && now - gw.gapSince >= gapMs && gw.stored.size > 0) {
        let min: bigint | undefined;
        for (const s of gw.stored) if (min === undefined || s < min) min = s;
        this.counters.gapsSkipped++;
        this.log.warn({ gw: id, from: (gw.acked + 1n).toString(), to: (min! - 1n).toString() }, 'collector: seq hole never filled, acknowledging past it');
        // Never backwards: an ack is a promise the gateway may already have acted on.
        if (min! - 1n > gw.acked) gw.acked = min! - 1n;
        gw.gapSince = undefined;
        this.advance(gw);
      }
    }
  }

  private scheduleAcks(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      void this.sendAcks();
    });
  }

  /**
   * A batch that never reached the disk: forget its keys, so the gateway's resend is stored
   * instead of being taken for a duplicate of something we do not have.
   */
  private forget(batch: { key?: string }[]): void {
    for (const d of batch) if (d.key) this.recent.delete(d.key);
  }

  /** Ack positions from an earlier run, so a restarted collector continues where it acknowledged. */
  private loadAcks(file: string): void {
    let saved: Record<string, string>;
    try {
      saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ file, err: (err as Error).message }, 'collector: ack state unreadable; starting without it');
      return;
    }
    for (const [id, acked] of Object.entries(saved)) {
      if (typeof acked !== 'string' || !/^\d{1,20}$/.test(acked)) continue;
      this.gateways.set(id, {
        acked: BigInt(acked), stored: new Set(), skips: new Map(), minSeen: undefined, firstSeenAt: Date.now(), gapSince: undefined, peer: Buffer.alloc(0), ackDue: false,
      });
    }
  }

  /** Persist ack positions before sending acks: an ack must never promise more than the disk holds. */
  private saveAcks(): void {
    if (!this.opts.out) return;
    const state: Record<string, string> = {};
    for (const [id, gw] of this.gateways) if (gw.acked !== undefined) state[id] = gw.acked.toString();
    writeFileAtomicSync(this.opts.out + ACKS_SUFFIX, JSON.stringify(state));
  }

  /** One sender at a time (zeromq.js); one ack per gateway per batch, cumulative. */
  private async sendAcks(): Promise<void> {
    if (this.acking || !this.socket || this.stopped) return;
    this.acking = true;
    try {
      if ([...this.gateways.values()].some((g) => g.ackDue)) this.saveAcks();
      for (const gw of this.gateways.values()) {
        if (!gw.ackDue || gw.acked === undefined) continue;
        gw.ackDue = false;
        const seq = Buffer.allocUnsafe(8);
        seq.writeBigUInt64BE(gw.acked);
        await this.socket.send([gw.peer, 'ACK', seq]);
        this.counters.acksSent++;
      }
    } catch (err) {
      if (!this.stopped) this.log.warn({ err: (err as Error).message }, 'collector: ack not sent');
    } finally {
      this.acking = false;
    }
    if ([...this.gateways.values()].some((g) => g.ackDue)) this.scheduleAcks();
  }

  private flushOut(): void {
    if (this.flushing || this.outFd === undefined || (this.lines.length === 0 && this.waitingDisk.length === 0)) return;
    const fd = this.outFd;
    const text = this.lines.join('');
    const done = this.waitingDisk;
    this.lines = [];
    this.waitingDisk = [];
    this.flushing = true;
    const write = (cb: (err: Error | null) => void): void => (text ? void fs.write(fd, text, (e) => cb(e)) : cb(null));
    write((err) => {
      if (err) {
        this.flushing = false;
        this.forget(done);
        this.log.error({ err: err.message }, 'collector: cannot write out file; not acknowledging');
        return;
      }
      fs.fdatasync(fd, (err2) => {
        this.flushing = false;
        if (err2) {
          this.forget(done);
          this.log.error({ err: err2.message }, 'collector: fdatasync failed; not acknowledging');
          return;
        }
        for (const d of done) this.stored(d.gw, d.seq);
      });
    });
  }

  private flushSync(): void {
    if (this.outFd === undefined || this.lines.length === 0) return;
    fs.writeSync(this.outFd, this.lines.join(''));
    fs.fdatasyncSync(this.outFd);
    this.lines = [];
    this.waitingDisk = [];
  }
}
