import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { LowbandProcess, pythonSubscriber, until } from '../helpers/processes';
import { prng } from '../helpers/prng';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';

// Issue 10 acceptance: `lowband run` is killed with -9 twenty times at random moments while a
// forwarder sends ~400 readings/s and the reliable sink replays its backlog to a collector.
// Whatever any XPUB subscriber saw must end up in the collector's set (de-duplicated by key),
// and no sys/online prev_seq may claim that a seq a subscriber saw was never issued.

const KILLS = 20;

for (const fsyncMs of [200, 0]) {
  test(`kill -9 x${KILLS} during replay (fsync_ms ${fsyncMs}): every reading a subscriber saw reaches the collector`, { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowband-kill9-'));
    const backend = `ipc://${join(dir, 'backend.sock')}`;
    const cfg = writeTestConfig(dir, {
      udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
      upstream: {
        publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] },
        reliable: { connect: backend, window: 100, ack_timeout_ms: 500 },
      },
      spool: { fsync_ms: fsyncMs },
    });
    // Gaps are only ever skipped by a restart's prev_seq here: a lost seq would stall the acks.
    const collector = new LowbandProcess(['collect', '--bind', backend, '--json', '--gap-ms', '600000']);
    const sub = pythonSubscriber(`ipc://${join(dir, 'pub.sock')}`, 1e9, ['--timeout', '600']);
    const rand = prng(fsyncMs + 9);
    let gw: LowbandProcess | undefined;
    let fwd: FakeForwarder | undefined;
    let sending = true;
    let n = 0;
    const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
    // ~400 readings/s: a datagram of 4 every 10 ms, to whichever gateway is up.
    const sender = (async () => {
      while (sending) {
        const f = fwd;
        if (f) await f.push(Array.from({ length: 4 }, () => Buffer.from(`k9-${fsyncMs}-${String(n++).padStart(6, '0')}`))).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    /** Start a gateway (kept in `gw` at once, so the finally block ends it whatever happens). */
    const start = async (): Promise<LowbandProcess> => {
      const g = (gw = new LowbandProcess(['run', '--config', cfg.path]));
      await g.waitForMsg('gateway started');
      const port = await until('udp port', async () => udpPortFromStatus(await status(), 'udp0'));
      fwd?.close();
      fwd = new FakeForwarder(port);
      return g;
    };
    try {
      await collector.waitFor('collector listening', () => collector.stderr.some((l) => l.startsWith('collecting on')));
      await sub.ready;
      for (let kill = 0; kill < KILLS; kill++) {
        await start();
        // Kill at a random point: after this run accepted a random number of readings.
        const target = 30 + Math.floor(rand() * 200);
        await until('readings accepted', async () => ((await status()).readings.total >= target ? true : undefined), 20_000, 20);
        gw!.kill('SIGKILL');
        await gw!.exited;
        const f = fwd;
        fwd = undefined;
        f?.close();
      }
      await start();
      sending = false;
      await sender;
      // A lost seq stalls the collector's acks (nothing skips it): then say what was lost, not only that it timed out.
      const drained = await until('reliable sink drained', async () => {
        const r = (await status()).sinks.find((k) => k.kind === 'reliable');
        return (r && r.backlog.messages === 0 && r.inFlight === 0) || undefined;
      }, 30_000, 100).catch((err: Error) => err);

      const collected = new Set(collector.logs.filter((l) => typeof l.key === 'string').map((l) => l.key as string));
      const seen = sub.lines.filter((l) => typeof l.key === 'string' && String(l.topic).startsWith('lora/'));
      assert.ok(seen.length > KILLS * 30, `the subscriber saw ${seen.length} readings`);
      const missing = seen.filter((l) => !collected.has(l.key as string)).map((l) => `${l.seq}:${(l.body as { raw?: string }).raw}`);
      assert.deepEqual(missing, [], 'readings a subscriber saw but the collector never got');
      assert.equal(drained, true, 'the reliable sink delivered its whole backlog');
      const online = collector.logs.filter((l) => l.topic === 'sys/online') as { seq: string; body: { prev_seq?: number } }[];
      assert.ok(online.length >= KILLS, `${online.length} restarts announced`);
      const seenSeqs = seen.map((l) => BigInt(l.seq as number));
      for (const o of online) {
        const prev = BigInt(o.body.prev_seq ?? 0);
        const claimedNeverIssued = seenSeqs.filter((s) => s > prev && s < BigInt(o.seq));
        assert.deepEqual(claimedNeverIssued, [], `sys/online ${o.seq} says nothing after ${prev} was issued`);
      }
    } finally {
      sending = false;
      await sender;
      fwd?.close();
      gw?.kill('SIGKILL');
      await gw?.exited;
      collector.kill('SIGTERM');
      await collector.exited;
      sub.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
