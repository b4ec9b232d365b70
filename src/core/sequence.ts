import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-file';

/**
 * The gateway stream sequence: +1 per message, never reused, also after `kill -9` or a
 * power cut. Numbers are reserved in blocks: the file holds the first number NOT yet
 * reserved, written (atomically, fsynced) before any number of the block is issued. A crash
 * loses at most the rest of a block as a gap, never a repeat.
 */
export class SequenceCounter {
  private nextSeq: bigint;
  private reservedEnd: bigint;

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
    mkdirSync(stateDir, { recursive: true });
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
    c.reserve();
    return c;
  }

  /** The next sequence number. */
  next(): bigint {
    if (this.nextSeq >= this.reservedEnd) this.reserve();
    return this.nextSeq++;
  }

  /** The last number issued (0 before any). */
  get last(): bigint {
    return this.nextSeq - 1n;
  }

  private reserve(): void {
    const end = this.nextSeq + this.block;
    writeFileAtomicSync(this.file, `${end}\n`);
    this.reservedEnd = end;
  }
}
