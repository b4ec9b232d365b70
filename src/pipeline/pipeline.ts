/*
 * src/pipeline owns everything between an adapter's callback and the sinks' cursors: the
 * decoding stages (stage.ts, lora-stage.ts, ble-stage.ts), keying and de-duplication (runs.ts), the seq and
 * the wire frames (here), and the message logs (message-log.ts, memory-log.ts).
 */
import { eventKey, keyFromSource, runKey } from '../core/key';
import type { Reading } from '../core/reading';
import { nowUs } from '../core/reading';
import type { SequenceCounter } from '../core/sequence';
import { DropCounter } from '../util/drop-counter';
import { CborFloat, type CborMapWriter, type CborValue } from '../wire/cbor';
import { encodeFrames, Flag, Kind, RadioCode } from '../wire/message';
import type { MessageLog } from './message-log';
import { RecentKeys, RunTracker } from './runs';

/** Settings of the keying and de-duplication stages (config `dedup`). */
export interface PipelineOptions {
  gatewayId: string;
  windowMs: number;
  runGapMs: number;
  runMaxMs: number;
}

/** Readings per second over the last few seconds, cheap enough for every reading. */
class RateMeter {
  private readonly buckets = new Float64Array(10);
  private second = 0;
  mark(nowSec: number): void {
    this.roll(nowSec);
    this.buckets[nowSec % 10]++;
  }
  perSecond(nowSec: number): number {
    this.roll(nowSec);
    let sum = 0;
    for (let i = 1; i < 10; i++) sum += this.buckets[(nowSec - i + 10) % 10];
    return Math.round((sum / 9) * 10) / 10;
  }
  private roll(nowSec: number): void {
    if (nowSec - this.second >= 10) this.buckets.fill(0);
    else for (let s = this.second + 1; s <= nowSec; s++) this.buckets[s % 10] = 0;
    this.second = Math.max(this.second, nowSec);
  }
}

/**
 * The one-way core: reading → idempotency key → de-duplication → seq → 3 wire frames →
 * message log (which every sink reads through its own cursor). Synchronous and never
 * blocking: adapters call `accept` from their receive callbacks.
 */
export class Pipeline {
  private readonly runs: RunTracker;
  private readonly recent: RecentKeys;
  private readonly rate = new RateMeter();
  private readonly dropped = new DropCounter();
  total = 0;

  constructor(
    private readonly opts: PipelineOptions,
    private readonly seq: SequenceCounter,
    private readonly log: MessageLog,
  ) {
    this.runs = new RunTracker(opts.runGapMs, opts.runMaxMs);
    this.recent = new RecentKeys(opts.windowMs);
  }

  /**
   * Take one reading; returns its seq, or undefined when it was dropped (counted). `windowed`:
   * its stage's own de-dup window already passed it (see ReadingStage.windowed), so the key
   * window is skipped.
   */
  accept(r: Reading, windowed = false): bigint | undefined {
    const key = r.keySource
      ? keyFromSource(r.keySource)
      : runKey(r.radio, r.device, r.raw, this.runs.runStart(`${r.radio}/${r.device}`, r.raw, r.timeUs));
    if (!windowed && this.recent.isDuplicate(key, r.timeUs / 1000)) {
      this.dropped.count('duplicate');
      return undefined;
    }
    let frames: [Buffer, Buffer, Buffer];
    const seq = this.seq.next();
    try {
      let flags = 0;
      if (r.fields) flags |= Flag.decoded;
      if (r.authenticated) flags |= Flag.authenticated;
      const gw = this.opts.gatewayId;
      frames = encodeFrames(`${r.radio}/${r.device}`, Kind.reading, RadioCode[r.radio], flags, seq, r.timeUs, key, (m) => writeBody(m, gw, r));
    } catch {
      // A reading that cannot be encoded (topic too long) is a bug upstream; count it, keep going.
      // Its seq stays unused: a gap, never a repeat.
      this.dropped.count('encode');
      return undefined;
    }
    if (!this.log.append({ seq, frames })) {
      // The spool refused it (counted there by its cause): no tap, no count as accepted.
      this.dropped.count('log_refused');
      return undefined;
    }
    this.total++;
    this.rate.mark(Math.floor(r.timeUs / 1e6));
    return seq;
  }

  /** Publish a gateway event as `sys/<name>` (kind 2, radio 0). */
  event(name: string, body: Record<string, CborValue | undefined>): bigint {
    const seq = this.seq.next();
    const t = nowUs();
    const frames = encodeFrames(`sys/${name}`, Kind.event, RadioCode.sys, 0, seq, t, eventKey(this.opts.gatewayId, seq), {
      gw: this.opts.gatewayId,
      dev: name,
      src: 'gateway',
      ...body,
    });
    this.log.append({ seq, frames });
    return seq;
  }

  /** Drops by cause (`duplicate`, `encode`, `log_refused`). */
  get drops(): Record<string, number> {
    return this.dropped.byCause;
  }

  perSecond(): number {
    return this.rate.perSecond(Math.floor(Date.now() / 1000));
  }

  get lastSeq(): bigint {
    return this.seq.last;
  }
}

/**
 * The CBOR body of a reading (wire spec section 1), written member by member: the same bytes
 * as encoding bodyOf(gw, r), without the object (the profile of the UDP path had building and
 * walking it at ~3 % of the main thread). test/pipeline/pipeline.test.ts keeps the two equal.
 */
export function writeBody(m: CborMapWriter, gw: string, r: Reading): void {
  m.entry('gw', gw);
  m.entry('dev', r.device);
  m.entry('src', r.src);
  m.entry('raw', r.raw);
  m.entry('rssi', r.rssi);
  m.float('snr', r.snr);
  m.entry('freq', r.freq);
  m.entry('dr', r.dr);
  m.entry('fmt', r.fmt);
  m.entry('name', r.name);
  m.entry('fields', r.fields);
  m.entry('lorawan', r.lorawan as Record<string, CborValue | undefined> | undefined);
}

/** The CBOR body of a reading as a map (wire spec section 1). */
export function bodyOf(gw: string, r: Reading): Record<string, CborValue | undefined> {
  return {
    gw,
    dev: r.device,
    src: r.src,
    raw: r.raw,
    rssi: r.rssi,
    snr: r.snr === undefined ? undefined : new CborFloat(r.snr),
    freq: r.freq,
    dr: r.dr,
    fmt: r.fmt,
    name: r.name,
    fields: r.fields,
    lorawan: r.lorawan as Record<string, CborValue | undefined> | undefined,
  };
}
