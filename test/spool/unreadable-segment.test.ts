import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { nodeFiles, type SpoolFiles } from '../../src/spool/files';
import { Spool } from '../../src/spool/spool';
import { message, OPEN_LIMITS, tempDir } from './helpers';

/** Every seq a fresh cursor reads, in order. */
function readAll(s: Spool, name: string): bigint[] {
  const c = s.openCursor(name, OPEN_LIMITS);
  const seen: bigint[] = [];
  for (let e = c.poll(); e; e = c.poll()) seen.push(e.seq);
  return seen;
}

test('a segment that cannot be read at start (EIO) is skipped and left on disk; the others and new readings stay in order', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const first = new Spool({ dir, maxBytes: 1 << 24, fsyncMs: 0, segmentBytes: 4096 });
  await first.open();
  for (let i = 1n; i <= 200n; i++) first.append(message(i));
  await first.close();
  const segs = fs.readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();
  assert.ok(segs.length >= 4, `${segs.length} segments`);
  const bad = segs[Math.floor(segs.length / 2)];

  // Reads of one file fail, as on a bad SD-card sector.
  let failing = true;
  const names = new Map<number, string>();
  const files: SpoolFiles = {
    ...nodeFiles,
    openRw: (f) => { const fd = nodeFiles.openRw(f); names.set(fd, f); return fd; },
    openRead: (f) => { const fd = nodeFiles.openRead(f); names.set(fd, f); return fd; },
    read: (fd, b, o, l, p) => {
      if (failing && names.get(fd)?.endsWith(bad)) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      return nodeFiles.read(fd, b, o, l, p);
    },
  };
  const second = new Spool({ dir, maxBytes: 1 << 24, fsyncMs: 0, segmentBytes: 4096, files, cacheBytes: 4096 });
  await second.open();
  assert.equal(second.lastSeq(), 200n, 'numbering continues above the newest segment');
  assert.equal(second.status().mode, 'disk', 'the other segments are usable: no memory mode');
  assert.match(second.status().alarm ?? '', new RegExp(`could not read ${bad} \\(EIO\\)`));
  for (let i = 10_001n; i <= 10_200n; i++) second.append(message(i));
  const seen = readAll(second, 'fresh');
  assert.deepEqual(seen, [...seen].sort((a, b) => (a < b ? -1 : 1)), 'in seq order');
  assert.equal(new Set(seen).size, seen.length, 'no record twice');
  assert.equal(seen.filter((s) => s > 10_000n).length, 200, 'every new reading');
  assert.ok(seen.filter((s) => s <= 200n).length < 200, 'the unreadable segment is not served');
  failing = false;
  await second.close();
  assert.ok(fs.existsSync(`${dir}/${bad}`), 'left on disk');

  // Readable again at the next start: everything is there, once, in order.
  const third = new Spool({ dir, maxBytes: 1 << 24, fsyncMs: 0, segmentBytes: 4096 });
  await third.open();
  const all = readAll(third, 'later');
  assert.deepEqual(all, [...Array.from({ length: 200 }, (_, i) => BigInt(i + 1)), ...Array.from({ length: 200 }, (_, i) => 10_001n + BigInt(i))]);
  await third.close();
});
