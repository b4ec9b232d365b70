/**
 * Splits a modem's byte stream into lines (CR, LF or CRLF), bounded: a "line" longer than
 * `maxLength` (garbage, a baud-rate mismatch, a modem spewing without newlines) is discarded
 * up to the next end-of-line and counted, so memory never grows with bad input.
 * Bytes map 1:1 to characters (latin1) so binary garbage can't throw in a decoder.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;
  /** Over-long lines begun (counted drops). */
  overlong = 0;
  /** Bytes thrown away so far: a change means modem output was lost in this push. */
  discardedBytes = 0;

  constructor(private readonly maxLength = 1024) {}

  /** Feed bytes; returns the complete lines found (without end-of-line, empty lines skipped). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b !== 0x0a && b !== 0x0d) continue;
      this.take(chunk, start, i, lines, true);
      start = i + 1;
    }
    this.take(chunk, start, chunk.length, lines, false);
    return lines;
  }

  private take(chunk: Buffer, from: number, to: number, lines: string[], ended: boolean): void {
    const n = to - from;
    if (!this.discarding && this.size + n > this.maxLength) {
      this.discarding = true;
      this.overlong++;
      this.discardedBytes += this.size;
      this.parts = [];
      this.size = 0;
    }
    if (this.discarding) this.discardedBytes += n + (ended ? 1 : 0);
    if (!this.discarding && n > 0) {
      this.parts.push(chunk.subarray(from, to));
      this.size += n;
    }
    if (!ended) {
      // Keep a private copy: the port may reuse its buffer.
      if (this.parts.length > 0 && this.parts[this.parts.length - 1].buffer === chunk.buffer) {
        this.parts[this.parts.length - 1] = Buffer.from(this.parts[this.parts.length - 1]);
      }
      return;
    }
    if (this.discarding) {
      this.discarding = false;
    } else if (this.size > 0) {
      lines.push(Buffer.concat(this.parts, this.size).toString('latin1'));
    }
    this.parts = [];
    this.size = 0;
  }

  /** Forget a partial line (after the port reopened). */
  reset(): void {
    this.parts = [];
    this.size = 0;
    this.discarding = false;
  }
}
