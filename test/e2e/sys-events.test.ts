import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeTestConfig } from '../helpers/gateway-config';
import { LowbandProcess, pythonSubscriber } from '../helpers/processes';

test('sys/stats arrives on the data stream at the configured interval, as a kind-2 event', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-sys-'));
  const cfg = writeTestConfig(dir, { udp: [{ name: 'udp0', bind: '127.0.0.1:0' }], stats: { interval_s: 1 } });
  const gw = new LowbandProcess(['run', '--config', cfg.path]);
  try {
    await gw.waitForMsg('gateway started');
    const sub = pythonSubscriber(cfg.endpoint, 2, ['--filter', 'sys/stats']);
    const [a, b] = await sub.done;
    for (const m of [a, b]) {
      assert.equal(m.kind, 2);
      assert.equal(m.radio, 0);
      const body = m.body as Record<string, unknown>;
      assert.equal(body.gw, 'test-gw');
      assert.equal(typeof body.readings, 'number');
      assert.equal(typeof body.uptime_s, 'number');
      assert.deepEqual(Object.keys(body.adapters as object), ['udp0']);
      assert.ok('publish' in (body.sinks as object));
    }
    const gapMs = ((b.time_us as number) - (a.time_us as number)) / 1000;
    assert.ok(gapMs > 500 && gapMs < 5000, `about one interval apart (${gapMs} ms)`);
  } finally {
    gw.kill('SIGTERM');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
