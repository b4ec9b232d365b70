import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ModemEmulator } from '../../hardware/emulators/modem-emulator';
import { writeTestConfig } from '../helpers/gateway-config';
import { LowbandProcess, pythonSubscriber } from '../helpers/processes';

// Spine acceptance: emulator → socat pty → `lowband run` → an independent Python subscriber.

let dir: string;
let modem: ModemEmulator;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lowband-e2e-'));
  modem = new ModemEmulator({ modem: 'rn2483', dir });
  await modem.start();
});

after(async () => {
  await modem.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Each payload twice in a row: a "repeated transmission" must keep its key. */
const payload = (i: number) => Buffer.from([0xca, 0xfe, (i >> 1) & 0xff, (i >> 9) & 0xff]);

test('a Python subscriber receives valid v1 messages; seq survives restarts, also kill -9', async (t) => {
  const { path, endpoint } = writeTestConfig(dir, {
    lora: [{ name: 'lora0', port: modem.hostPath, modem: 'rn2483' }],
    dedup: { window_ms: 0 },
  });
  let maxSeq = 0;

  for (const ending of ['SIGTERM', 'SIGKILL'] as const) {
    const gw = new LowbandProcess(['run', '--config', path]);
    t.after(() => gw.kill('SIGKILL'));
    await gw.waitForMsg('gateway started');
    await gw.waitForMsg('modem receiving');
    const sub = pythonSubscriber(endpoint, 12, ['--filter', 'lora/']);
    await sub.ready;
    modem.stream(15, payload, { untilHeard: true });
    const msgs = await sub.done;
    modem.stopStream();

    for (const m of msgs) {
      assert.equal(m.frames, 3);
      assert.equal(m.header_len, 36);
      assert.equal(m.version, 1);
      assert.equal(m.kind, 1);
      assert.equal(m.radio, 1);
      assert.equal(m.topic, 'lora/raw');
      const body = m.body as Record<string, unknown>;
      assert.equal(body.gw, 'test-gw');
      assert.equal(body.dev, 'raw');
      assert.equal(body.src, 'lora0');
      assert.match(String(body.raw), /^cafe[0-9a-f]{4}$/);
      assert.equal(typeof body.rssi, 'number');
      assert.equal((m.body_types as Record<string, string>).raw, 'bytes');
      assert.equal((m.body_types as Record<string, string>).snr, 'float');
      assert.equal(String(m.key).length, 32);
    }
    // Strictly +1: nothing else is published on lora/ and nothing was dropped.
    for (let i = 1; i < msgs.length; i++) assert.equal(msgs[i].seq, (msgs[i - 1].seq as number) + 1);
    // Same payload → same key; different payload → different key.
    let pairs = 0;
    for (let i = 1; i < msgs.length; i++) {
      const same = (msgs[i].body as { raw: string }).raw === (msgs[i - 1].body as { raw: string }).raw;
      if (same) pairs++;
      assert.equal(msgs[i].key === msgs[i - 1].key, same, `messages ${i - 1},${i}`);
    }
    assert.ok(pairs >= 4, 'repeated transmissions were seen');
    assert.ok((msgs[0].seq as number) > maxSeq, `seq ${msgs[0].seq} continues above ${maxSeq} (after ${ending === 'SIGTERM' ? 'first start' : 'a clean stop'})`);
    maxSeq = msgs[msgs.length - 1].seq as number;

    gw.kill(ending);
    const { code, signal } = await gw.exited;
    if (ending === 'SIGTERM') assert.equal(code, 0, 'clean stop exits 0');
    else assert.equal(signal, 'SIGKILL');
  }

  // After kill -9: a third start still continues above everything sent.
  const gw = new LowbandProcess(['run', '--config', path]);
  t.after(() => gw.kill('SIGKILL'));
  await gw.waitForMsg('modem receiving');
  const sub = pythonSubscriber(endpoint, 2, ['--filter', 'lora/']);
  await sub.ready;
  modem.stream(15, payload, { untilHeard: true });
  const msgs = await sub.done;
  modem.stopStream();
  assert.ok((msgs[0].seq as number) > maxSeq, `after kill -9: ${msgs[0].seq} > ${maxSeq}`);
  gw.kill('SIGTERM');
  assert.equal((await gw.exited).code, 0);
});
