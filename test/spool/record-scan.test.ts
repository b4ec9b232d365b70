import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRecord } from '../../src/spool/record';
import { findNextRecord, scanRecords } from '../../src/spool/record-scan';
import { message } from './helpers';

const reader = (file: Buffer) => (buf: Buffer, off: number, len: number, pos: number): number => file.copy(buf, off, pos, pos + len);

/** A version-2 segment of records seq 1..n (index = seq - 1), and where each starts. */
function segment(n: number): { file: Buffer; starts: number[] } {
  const recs = Array.from({ length: n }, (_, i) => encodeRecord(message(BigInt(i + 1)), i));
  const starts: number[] = [];
  let off = 0;
  for (const r of recs) {
    starts.push(off);
    off += r.length;
  }
  return { file: Buffer.concat(recs), starts };
}

test('a scan hops a damaged stretch and knows from the indexes how many records it held', () => {
  const { file, starts } = segment(50);
  file.fill(0xff, starts[10] + 5, starts[14] - 1); // records 11..14 (seq) damaged
  const seen: bigint[] = [];
  const r = scanRecords(reader(file), file.length, 0n, (rec) => {
    seen.push(rec.seq);
    return true;
  });
  assert.equal(r.format, 2);
  assert.equal(r.count, 46);
  assert.equal(r.lostRecords, 4);
  assert.deepEqual(r.skips, [[starts[10], starts[14]]]);
  assert.equal(r.validEnd, file.length);
  assert.deepEqual(seen.slice(9, 11), [10n, 15n]);
});

test('garbage after the last record is a tail: its record starts are counted, never invented', () => {
  const { file, starts } = segment(20);
  const torn = file.subarray(0, starts[18] + 30); // record 19 torn, 20 gone
  const r = scanRecords(reader(torn), torn.length, 0n);
  assert.equal(r.count, 18);
  assert.equal(r.validEnd, starts[18]);
  assert.equal(r.tailRecords, 1);
  assert.equal(r.skips.length, 0);
});

test('records out of seq order (a stale copy) are not taken as the next record', () => {
  const { file, starts } = segment(30);
  // Overwrite record 20 with a valid copy of record 5 (same index field would be out of order too).
  const stale = encodeRecord(message(5n), 19);
  assert.ok(stale.length <= starts[20] - starts[19]);
  stale.copy(file, starts[19]);
  const r = scanRecords(reader(file), file.length, 0n);
  assert.equal(r.count, 29, 'the stale record is skipped');
  const next = findNextRecord(reader(file), file.length, starts[19], 19n, 18);
  assert.equal(next?.seq, 21n);
  assert.equal(next?.index, 20);
});
