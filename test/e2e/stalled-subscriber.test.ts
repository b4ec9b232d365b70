import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { LowbandProcess, pythonSubscriber, until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';

/** Resident memory of a process, MB. */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// A subscriber that connects and never reads: the gateway must count drops, keep its memory
// bounded, and keep running.
const RSS_BOUND_MB = 250;
const GROWTH_BOUND_MB = 64;

test('a stalled subscriber: drops are counted, memory stays bounded, nothing crashes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-stall-'));
  const cfg = writeTestConfig(dir, {
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    upstream: { publish: { bind: [`ipc://${join(dir, 'pub.sock')}`], hwm: 10, queue_messages: 1000 } },
  });
  const gw = new LowbandProcess(['run', '--config', cfg.path]);
  const stalled = pythonSubscriber(cfg.endpoint, 1, ['--stall', '120', '--rcvbuf', '4096']);
  try {
    await gw.waitForMsg('gateway started');
    await stalled.ready;
    const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
    const port = await until('udp port', async () => udpPortFromStatus(await status(), 'udp0'));
    const fwd = new FakeForwarder(port);
    let n = 0;
    const burst = async (datagrams: number) => {
      for (let i = 0; i < datagrams; i++) {
        await fwd.push(Array.from({ length: 20 }, () => Buffer.from(`reading ${n++}`)));
        // Keep within the kernel's UDP buffer: let the gateway read between datagrams.
        if (i % 20 === 19) await new Promise((r) => setImmediate(r));
      }
    };
    const hwmDrops = (s: GatewayStatus) => (s.sinks.find((k) => k.kind === 'publish')?.drops.hwm as number | undefined) ?? 0;

    // Phase 1: flood until the stalled pipe is full and drops show up.
    let s = await status();
    for (let round = 0; round < 200 && hwmDrops(s) === 0; round++) {
      await burst(50);
      s = await status();
    }
    const firstDrops = hwmDrops(s);
    assert.ok(firstDrops > 0, 'the drop counter rises');
    const rssAfterFill = rssMb(gw.proc.pid!);

    // Phase 2: 30,000 more readings into a full pipe; wait until the gateway has taken them
    // (UDP may lose some datagrams under this load; that is the kernel's, not ours).
    const before = s.readings.total;
    await burst(1500);
    let last = -1;
    s = await until('the flood to be processed', async () => {
      const now = await status();
      const settled = now.readings.total === last;
      last = now.readings.total;
      return settled ? now : undefined;
    }, 60_000, 500);
    assert.ok(s.readings.total - before >= 10_000, `accepted ${s.readings.total - before} more readings`);
    const rss = rssMb(gw.proc.pid!);
    console.log(`# stalled subscriber: ${s.readings.total} readings, hwm drops ${hwmDrops(s)}, RSS ${rssAfterFill.toFixed(1)} -> ${rss.toFixed(1)} MB`);
    assert.ok(hwmDrops(s) > firstDrops, 'drops keep being counted');
    assert.ok(rss < RSS_BOUND_MB, `RSS ${rss} MB < ${RSS_BOUND_MB} MB`);
    assert.ok(rss - rssAfterFill < GROWTH_BOUND_MB, `RSS grew ${rss - rssAfterFill} MB while the pipe was full`);
    assert.equal(gw.proc.exitCode, null, 'still running');
    fwd.close();
  } finally {
    stalled.kill();
    gw.kill('SIGTERM');
    const { code } = await gw.exited;
    assert.equal(code, 0, 'stops cleanly even with a stalled subscriber');
    rmSync(dir, { recursive: true, force: true });
  }
});
