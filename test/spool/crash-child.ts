/**
 * Test-only child process: the gateway's log arrangement (memory log + spool behind FanoutLog)
 * with a publisher that prints every seq it takes from the memory log, as the publish sink would
 * send it to subscribers. Appends bursts forever after the spool's last seq until the parent
 * kills it with SIGKILL. Without arguments (a test runner picking the file up) it exits at once.
 */
import { MemoryLog } from '../../src/pipeline/memory-log';
import { FanoutLog } from '../../src/pipeline/message-log';
import { Spool } from '../../src/spool/spool';
import { message } from './helpers';

async function main(): Promise<void> {
  const [dir, fsyncText] = process.argv.slice(2);
  if (!dir) return;
  const spool = new Spool({ dir, maxBytes: 64 << 20, fsyncMs: Number(fsyncText ?? '200'), segmentBytes: 1 << 20 });
  await spool.open();
  const memory = new MemoryLog();
  const log = new FanoutLog([memory, spool]);
  const cursor = memory.openCursor('publish', { maxMessages: 1e6, maxBytes: 1e9, overflow: 'drop-oldest' });
  void (async () => {
    for (;;) {
      const e = await cursor.next();
      if (!e) return;
      // What a subscriber receives: synchronous, so nothing sits between taking and sending.
      process.stdout.write(`${e.seq}\n`);
      cursor.commit(e.seq);
    }
  })();
  let seq = spool.lastSeq();
  for (;;) {
    for (let i = 0; i < 8; i++) log.append(message(++seq));
    await new Promise((r) => setImmediate(r));
  }
}

void main();
