/**
 * Test-only child process: a Spool + ReliableSink in `dir` sending to `endpoint`. Appends `count`
 * messages after the spool's last seq, `batch` per turn, and prints one JSON line per batch once it
 * is on disk. Killed with SIGKILL by the parent to simulate a crash. Without arguments (as when a
 * test runner picks the file up by its folder) it exits at once.
 */
import { Spool } from '../../src/spool/spool';
import { ReliableSink } from '../../src/sinks/reliable';
import { message } from '../spool/helpers';

async function main(): Promise<void> {
  const [dir, endpoint, countText, batchText] = process.argv.slice(2);
  if (!dir || !endpoint) return;
  const count = Number(countText ?? '0');
  const batch = Number(batchText ?? '50');
  const spool = new Spool({ dir, maxBytes: 64 << 20, fsyncMs: 0, segmentBytes: 1 << 20 });
  await spool.open();
  const start = spool.lastSeq();
  const cursor = spool.openCursor('reliable', { maxMessages: 1e12, maxBytes: 1e15, overflow: 'drop-oldest' });
  const sink = new ReliableSink({ connect: endpoint, window: 200, ackTimeoutMs: 300, reconnectIntervalMs: 20, reconnectMaxIntervalMs: 200 });
  await sink.start(cursor);
  const say = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
  say({ started: true, lastSeq: start.toString(), committed: cursor.committed.toString(), replayUntil: cursor.replayUntil.toString() });
  let seq = start;
  const status = (): object => {
    const st = sink.status();
    return { appended: seq.toString(), acked: st.cursor, mode: spool.status().mode };
  };
  for (let done = 0; done < count; ) {
    const n = Math.min(batch, count - done);
    for (let i = 0; i < n; i++) spool.append(message(++seq));
    done += n;
    // fsync_ms 0: the batch is written (and fdatasync'd) on the next turn.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    say(status());
  }
  // Keep delivering until the parent stops us; report progress so it can wait on conditions.
  const timer = setInterval(() => say(status()), 50);
  process.on('SIGTERM', () => {
    clearInterval(timer);
    void sink.stop(0).then(() => spool.close()).then(() => process.exit(0));
  });
}

main().catch((err: Error) => {
  process.stderr.write(`sender-child: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
