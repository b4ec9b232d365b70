import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { nodeFiles, type SpoolFiles } from '../../src/spool/files';
import { Spool } from '../../src/spool/spool';
import { until } from '../helpers/processes';
import { message, OPEN_LIMITS, tempDir } from './helpers';

test('a new segment whose first write fails (and cannot be cut back) is retried in the same file, never unlinked under it', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  let failing = false;
  const eio = () => Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
  const files: SpoolFiles = {
    ...nodeFiles,
    write: (fd, b, o, l, p) => {
      if (failing) throw eio();
      return nodeFiles.write(fd, b, o, l, p);
    },
    truncate: (fd, len) => {
      if (failing) throw eio();
      nodeFiles.truncate(fd, len);
    },
  };
  const s = new Spool({ dir, maxBytes: 1 << 24, fsyncMs: 0, segmentBytes: 4096, files, retryMs: 0 });
  await s.open();
  const c = s.openCursor('r', OPEN_LIMITS);
  failing = true;
  s.append(message(1n));
  s.flush();
  assert.equal(s.status().mode, 'memory', 'the failed write is noticed');
  failing = false;
  for (let i = 2n; i <= 5n; i++) s.append(message(i));
  // The spool retries the disk on its timer (every 200 ms with fsync_ms 0).
  await until('the retry to write', () => s.status().mode === 'disk');
  for (let e = c.poll(); e; e = c.poll()) c.commit(e.seq);
  // More readings: writing them also releases the segments every cursor has passed.
  for (let i = 6n; i <= 8n; i++) s.append(message(i));
  s.flush();
  assert.ok(fs.readdirSync(dir).some((n) => n.endsWith('.seg')), 'the live segment file is still there');
  await s.close();

  const again = new Spool({ dir, maxBytes: 1 << 24, fsyncMs: 0, segmentBytes: 4096 });
  await again.open();
  const r = again.openCursor('r', OPEN_LIMITS);
  const seen: bigint[] = [];
  for (let e = r.poll(); e; e = r.poll()) seen.push(e.seq);
  assert.deepEqual(seen, [6n, 7n, 8n], 'the uncommitted readings survive the restart');
  await again.close();
});
