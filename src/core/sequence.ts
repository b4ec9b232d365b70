import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-file';

/** Mode of the seq file: the service user writes, its group (backups, doctor) reads. */
export const SEQ_FILE_MODE = 0o640;

/**
 * The gateway stream sequence: +1 per message, never reused, also after `kill -9` or a
 * power cut. Numbers are reserved in blocks: the file holds the first number NOT yet
 * reserved, written (atomically, fsynced) before any number of the block is issued. A crash
 * loses at most the rest of a block as a gap, never a repeat.
 */
export class SequenceCounter {
  private nextSeq: bigint;
  private reservedEnd: bigint;
  /** Why the last reservation failed (state_dir read-only or full), while it keeps failing. */
  private failure: string | undefined;
  private lastAttemptMs = 0;

  private constructor(
    private readonly file: string,
    start: bigint,
    private readonly block: bigint,
  ) {
    this.nextSeq = start;
    this.reservedEnd = start;
  }

  /** Open (or create) the counter in `stateDir`; `atLeast` lifts it above seqs known elsewhere (the spool). */
  static open(stateDir: string, opts: { block?: number; atLeast?: bigint } = {}): SequenceCounter {
    // state_dir is the service's private data: group-readable at most (issue 10, item 9).
    mkdirSync(stateDir, { recursive: true, mode: 0o750 });
    const file = join(stateDir, 'seq');
    let start = 1n;
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (!/^\d{1,20}$/.test(text)) throw new Error(`sequence file ${file} is corrupt ("${text.slice(0, 30)}"); move it aside to start over`);
      start = BigInt(text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (opts.atLeast !== undefined && opts.atLeast >= start) start = opts.atLeast + 1n;
    const c = new SequenceCounter(file, start, BigInt(opts.block ?? 10_000));
    c.tryReserve();
    return c;
  }

  /**
   * The next sequence number. When the state dir cannot be written (an SD card remounted
   * read-only, a full disk), numbering goes on in memory, so readings keep flowing, and the
   * reservation is retried once a second; `alarm` says so meanwhile. Only a restart during
   * that time could reuse numbers, which is why it is an alarm and not silence.
   */
  next(): bigint {
    if (this.nextSeq >= this.reservedEnd && (this.failure === undefined || Date.now() - this.lastAttemptMs >= 1000)) {
      this.tryReserve();
    }
    return this.nextSeq++;
  }

  /** Set while numbers beyond the last durable reservation are being issued. */
  get alarm(): string | undefined {
    return this.failure === undefined || this.nextSeq < this.reservedEnd
      ? undefined
      : `sequence numbers from ${this.reservedEnd} on are not persisted (${this.failure}); a restart now could reuse them`;
  }

  private tryReserve(): void {
    this.lastAttemptMs = Date.now();
    try {
      this.reserve();
      this.failure = undefined;
    } catch (err) {
      this.failure = `${this.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  }

  /** The last number issued (0 before any). */
  get last(): bigint {
    return this.nextSeq - 1n;
  }

  private reserve(): void {
    const end = this.nextSeq + this.block;
    writeFileAtomicSync(this.file, `${end}\n`, SEQ_FILE_MODE);
    this.reservedEnd = end;
  }
}

/**
 * Numbers per second the clock floor allows for. A gateway issues far fewer (the bench peaks
 * near 200k messages/s, a Pi's radios a few per second), so a counter that starts at or below
 * `clockFloor(t0)` is still below `clockFloor(t)` at any later time t, whatever it began at.
 */
const FLOOR_RATE_PER_MS = 1000n;

/**
 * The lowest seq a gateway may use after its state was restored at wall-clock time `nowMs`:
 * microseconds since the Unix epoch (about 1.8e15 in 2026, exact in a JavaScript number until
 * the year 2255). Everything issued before `nowMs` is below it, so numbering that resumes at
 * the floor never repeats a number sent after the restored backup was taken.
 */
export function clockFloor(nowMs: number): bigint {
  return BigInt(Math.floor(nowMs)) * FLOOR_RATE_PER_MS;
}

/** The value of `stateDir/seq` (the first number not yet reserved), or undefined when absent. */
export function readSequenceFile(stateDir: string): bigint | undefined {
  const file = join(stateDir, 'seq');
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!/^\d{1,20}$/.test(text)) throw new Error(`sequence file ${file} is corrupt ("${text.slice(0, 30)}")`);
  return BigInt(text);
}

/** Lifts `stateDir/seq` to at least `floor` (never lowers it); returns the value it now holds. */
export function raiseSequenceFloor(stateDir: string, floor: bigint): bigint {
  let current: bigint | undefined;
  try {
    current = readSequenceFile(stateDir);
  } catch (err) {
    // A corrupt file holds nothing to keep: the floor replaces it. I/O errors still stop us.
    if ((err as NodeJS.ErrnoException).code) throw err;
  }
  if (current !== undefined && current >= floor) return current;
  writeFileAtomicSync(join(stateDir, 'seq'), `${floor}\n`, 0o640);
  return floor;
}
