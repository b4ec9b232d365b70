import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { LogEntry } from '../../src/pipeline/message-log';
import { nodeFiles, type SpoolFiles } from '../../src/spool/files';
import { readRecord } from '../../src/spool/record';
import { Spool } from '../../src/spool/spool';
import { captureLogger, message, OPEN_LIMITS, tempDir } from './helpers';

function segFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();
}

function drain(c: { poll(): LogEntry | undefined }): bigint[] {
  const out: bigint[] = [];
  for (let e = c.poll(); e; e = c.poll()) out.push(e.seq);
  return out;
}

const range = (from: number, to: number): bigint[] => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

/** Real files that count the bytes read from segment files. */
function countingFiles(): { files: SpoolFiles; read: () => number } {
  let bytes = 0;
  const files: SpoolFiles = { ...nodeFiles, read: (fd, buf, off, len, pos) => {
    const n = nodeFiles.read(fd, buf, off, len, pos);
    bytes += n;
    return n;
  } };
  return { files, read: () => bytes };
}

test('open reads only the newest segment in full; older ones by their first and last record', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const opts = { dir, maxBytes: 64 << 20, fsyncMs: 5, segmentBytes: 1 << 20 };
    const s = new Spool(opts);
    await s.open();
    for (let i = 1n; i <= 40_000n; i++) s.append(message(i, 100));
    await s.close();
    const names = segFiles(dir);
    assert.ok(names.length >= 8, `${names.length} segments`);
    const total = names.reduce((a, n) => a + fs.statSync(path.join(dir, n)).size, 0);
    const newest = fs.statSync(path.join(dir, names.at(-1)!)).size;

    const { files, read } = countingFiles();
    const s2 = new Spool({ ...opts, files });
    await s2.open();
    assert.equal(s2.lastSeq(), 40_000n);
    assert.ok(read() <= newest + (names.length - 1) * 20 * 1024, `read ${read()} bytes of ${total} at open`);
    const c = s2.openCursor('r', OPEN_LIMITS);
    assert.equal(c.backlog().messages, 40_000, 'counts come out right without a scan');
    assert.deepEqual(drain(c), range(1, 40_000));
    // A saved position in the middle of an older segment resumes exactly after it.
    c.commit(7_777n);
    await s2.close();
    const s3 = new Spool(opts);
    await s3.open();
    const c3 = s3.openCursor('r', OPEN_LIMITS);
    assert.equal(c3.backlog().messages, 40_000 - 7_777);
    assert.equal(c3.poll()?.seq, 7_778n);
    await s3.close();
  } finally {
    cleanup();
  }
});

test('damage in an older segment, not read at open, is found while reading: skipped, counted once, the rest kept', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const opts = { dir, maxBytes: 64 << 20, fsyncMs: 5, segmentBytes: 64 * 1024 };
    const s = new Spool(opts);
    await s.open();
    for (let i = 1n; i <= 3000n; i++) s.append(message(i, 60));
    await s.close();
    const file = path.join(dir, segFiles(dir)[1]);
    const buf = fs.readFileSync(file);
    // Records 10..12 of the second segment: a zeroed stretch in the middle.
    const offsets: { off: number; seq: bigint }[] = [];
    for (let off = 0; off < buf.length; ) {
      const r = readRecord(buf, off, buf.length);
      assert.ok(r.ok);
      offsets.push({ off, seq: r.entry.seq });
      off += r.bytes;
    }
    buf.fill(0, offsets[10].off + 3, offsets[13].off - 2);
    fs.writeFileSync(file, buf);
    const lost = [offsets[10].seq, offsets[11].seq, offsets[12].seq];

    const { logger, lines } = captureLogger();
    const s2 = new Spool({ ...opts, logger });
    await s2.open();
    assert.equal(s2.status().drops.corrupt, undefined, 'not read at open');
    const a = s2.openCursor('a', OPEN_LIMITS);
    const b = s2.openCursor('b', OPEN_LIMITS);
    const want = range(1, 3000).filter((q) => !lost.includes(q));
    assert.deepEqual(drain(a), want);
    assert.deepEqual(drain(b), want);
    assert.equal(a.drops.corrupt, 3);
    assert.equal(b.drops.corrupt, 3);
    assert.equal(s2.status().drops.corrupt, 3, 'the spool counts the damage once');
    assert.match(s2.status().alarm ?? '', /corrupt/);
    assert.equal(lines.filter((l) => String(l.msg).includes('found while reading')).length, 1);
    // Rewinding into the damage lands on the next valid record again.
    a.commit(offsets[9].seq);
    a.rewind();
    assert.equal(a.poll()?.seq, offsets[13].seq);
    await s2.close();
  } finally {
    cleanup();
  }
});
