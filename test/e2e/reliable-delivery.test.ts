import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { callControl } from '../../src/control/client';
import type { GatewayStatus } from '../../src/control/protocol';
import { writeTestConfig } from '../helpers/gateway-config';
import { LowbandProcess, until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';

// Issue acceptance through real processes: forwarder → `lowband run` (spool + reliable sink)
// → `lowband collect`. The backend goes away for a stretch, the gateway is killed with -9 while
// it holds an unacknowledged backlog, and in the end the backend's set equals the sent set.

test('backend outage and kill -9 of the gateway: every reading arrives, replays are flagged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-reliable-'));
  const backend = `ipc://${join(dir, 'backend.sock')}`;
  const cfg = writeTestConfig(dir, {
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    upstream: {
      publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] },
      reliable: { connect: backend, window: 100, ack_timeout_ms: 500 },
    },
    spool: { fsync_ms: 20 },
  });
  const sent = new Set<string>();
  const received = new Map<string, { redelivery: boolean }>();
  const collectors: LowbandProcess[] = [];
  const startCollector = async () => {
    const c = new LowbandProcess(['collect', '--bind', backend, '--json', '--gap-ms', '300']);
    collectors.push(c);
    await c.waitFor('collector listening', () => c.stderr.some((l) => l.startsWith('collecting on')));
    return c;
  };
  const harvest = () => {
    for (const c of collectors) {
      for (const m of c.logs) {
        const body = m.body as { raw?: string } | undefined;
        if (typeof m.topic === 'string' && m.topic.startsWith('lora/') && body?.raw) {
          const prev = received.get(body.raw);
          received.set(body.raw, { redelivery: (prev?.redelivery ?? false) || ((m.flags as number) & 4) !== 0 });
        }
      }
    }
  };
  let gw = new LowbandProcess(['run', '--config', cfg.path]);
  const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
  let n = 0;
  const send = async (fwd: FakeForwarder, count: number) => {
    for (let i = 0; i < count; i += 10) {
      const batch = Array.from({ length: 10 }, () => Buffer.from(`reading-${String(n++).padStart(5, '0')}`));
      for (const b of batch) sent.add(b.toString('hex'));
      await fwd.push(batch);
      await new Promise((r) => setImmediate(r));
    }
  };
  const accepted = async (count: number) => until(`gateway to accept ${count}`, async () => ((await status()).readings.total >= count ? true : undefined), 20_000, 50);

  try {
    let collector = await startCollector();
    await gw.waitForMsg('gateway started');
    let fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(), 'udp0')));

    // 1. Steady stream with the backend up.
    await send(fwd, 200);
    await accepted(200);
    await until('backend to store 200', () => { harvest(); return received.size >= 200 || undefined; });

    // 2. Backend down for a stretch; the gateway keeps accepting into its spool.
    collector.kill('SIGTERM');
    await collector.exited;
    await send(fwd, 300);
    await accepted(500);
    const backlog = (await status()).sinks.find((s) => s.kind === 'reliable')!;
    assert.ok(backlog.backlog.messages >= 300 || backlog.inFlight > 0, `backlog held: ${JSON.stringify(backlog.backlog)}`);
    // Let group commit put everything accepted on disk, then kill -9.
    await until('spool flushed', async () => { const s = await status(); return BigInt(String(s.spool?.lastSeq ?? '0')) >= BigInt(s.seq) || undefined; });
    gw.kill('SIGKILL');
    await gw.exited;
    fwd.close();

    // 3. Restart the gateway and the backend: the backlog is replayed, flagged as redelivery.
    gw = new LowbandProcess(['run', '--config', cfg.path]);
    await gw.waitForMsg('gateway started');
    collector = await startCollector();
    fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(), 'udp0')));
    await send(fwd, 100);
    await until('backend to store every reading', () => {
      harvest();
      return received.size >= sent.size || undefined;
    }, 60_000, 100);
    fwd.close();

    assert.deepEqual([...received.keys()].sort(), [...sent].sort(), 'after de-duplication the received set equals the sent set');
    const replayed = [...received.values()].filter((r) => r.redelivery).length;
    assert.ok(replayed >= 300, `${replayed} readings came back flagged as redelivery`);
    const s = await status();
    const rel = s.sinks.find((k) => k.kind === 'reliable')!;
    assert.equal(rel.state, 'connected');
  } finally {
    gw.kill('SIGTERM');
    await gw.exited;
    for (const c of collectors) {
      c.kill('SIGTERM');
      await c.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after a gateway restart the backend acknowledges past the seq gap at once (sys/online prev_seq)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-prevseq-'));
  const backend = `ipc://${join(dir, 'backend.sock')}`;
  const cfg = writeTestConfig(dir, {
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    upstream: { publish: { bind: [`ipc://${join(dir, 'pub.sock')}`] }, reliable: { connect: backend, window: 100, ack_timeout_ms: 60_000 } },
    spool: { fsync_ms: 20 },
  });
  // A gap timeout far beyond the test: only prev_seq can let the acks move past the gap.
  const collector = new LowbandProcess(['collect', '--bind', backend, '--json', '--gap-ms', '600000']);
  await collector.waitFor('collector listening', () => collector.stderr.some((l) => l.startsWith('collecting on')));
  const status = async () => (await callControl(cfg.control, 'status', {}, 5000)) as GatewayStatus;
  const drained = () =>
    until('every message acknowledged', async () => {
      const r = (await status()).sinks.find((k) => k.kind === 'reliable')!;
      return (r.backlog.messages === 0 && r.inFlight === 0) || undefined;
    }, 20_000, 50);
  let gw: LowbandProcess | undefined;
  try {
    for (let run = 0; run < 2; run++) {
      gw = new LowbandProcess(['run', '--config', cfg.path]);
      await gw.waitForMsg('gateway started');
      const fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(), 'udp0')));
      await fwd.push(Array.from({ length: 10 }, (_, i) => Buffer.from(`run${run}-${i}`)));
      fwd.close();
      await until('accepted', async () => ((await status()).readings.total >= 10 ? true : undefined));
      await drained();
      gw.kill('SIGTERM');
      await gw.exited;
    }
    const online = collector.logs.filter((l) => l.topic === 'sys/online');
    assert.equal(online.length, 2);
    const second = online[1] as { seq: string; body: { prev_seq: number } };
    assert.ok(BigInt(second.seq) - BigInt(second.body.prev_seq) > 1n, 'the restart left a seq gap');
  } finally {
    gw?.kill('SIGKILL');
    await gw?.exited;
    collector.kill('SIGTERM');
    await collector.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
