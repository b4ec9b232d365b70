import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng, randomBytes } from '../../helpers/prng';
import { until } from '../../helpers/processes';
import { FAMILIES, ModemRig } from './rig';

// Receive liveness (issue 10 item 1), per modem family, through a real pty: after a fault
// that swallows modem lines the modem must hear again within 2 s. Before liveness, an
// RN2483 stayed deaf until the 10-minute silence timer after each of these faults.
const HEARS_AGAIN_MS = 2000;
const LIVENESS_MS = 1000;

for (const f of FAMILIES) {
  test(`${f.label}: a 10 MB line swallowing a packet line; the modem hears again within 2 s`, async (t) => {
    const rig = await ModemRig.start(t, f, { livenessMs: 60_000 });
    rig.stream(20);
    await until('packets flowing', () => rig.delivered.length >= 3, 10_000, 5);
    rig.modem.injectLongLine(10 * 1024 * 1024, false);
    rig.hearNext(); // its line ends the 10 MB one: discarded with it
    await rig.modem.flush();
    const ms = await rig.hearsAgain(Date.now());
    t.diagnostic(`heard again ${ms} ms after the long line`);
    assert.ok(ms <= HEARS_AGAIN_MS, `deaf ${ms} ms after the long line`);
    assert.ok((rig.adapter.status().drops.line_too_long ?? 0) >= 1);
  });

  test(`${f.label}: garbage glued to a packet line; the modem hears again within 2 s`, async (t) => {
    const rig = await ModemRig.start(t, f, { livenessMs: 60_000 });
    rig.stream(20);
    await until('packets flowing', () => rig.delivered.length >= 3, 10_000, 5);
    for (let i = 0; i < 5; i++) {
      rig.modem.injectGarbage(Buffer.from([0x07, 0x93, 0x23, 0x7e])); // no end-of-line: the next line starts with it
      await rig.modem.flush();
      const ms = await rig.hearsAgain(Date.now());
      t.diagnostic(`heard again ${ms} ms after mangled line ${i}`);
      assert.ok(ms <= HEARS_AGAIN_MS, `deaf ${ms} ms after mangled line ${i}`);
    }
  });

  test(`${f.label}: random garbage bursts for 3 s; the modem hears again within 2 s after`, async (t) => {
    const rig = await ModemRig.start(t, f, { livenessMs: 60_000 });
    rig.stream(20);
    await until('packets flowing', () => rig.delivered.length >= 3, 10_000, 5);
    const rand = prng(0x5eed + f.label.length);
    const end = Date.now() + 3000;
    await new Promise<void>((resolve) => {
      const burst = setInterval(() => {
        if (Date.now() >= end) {
          clearInterval(burst);
          resolve();
          return;
        }
        rig.modem.injectGarbage(randomBytes(rand, 1 + Math.floor(rand() * 600)));
      }, 10);
    });
    await rig.modem.flush();
    const ms = await rig.hearsAgain(Date.now());
    t.diagnostic(`heard again ${ms} ms after the burst`);
    assert.ok(ms <= HEARS_AGAIN_MS, `deaf ${ms} ms after the burst`);
    // And it stays receiving: ten more in a row.
    const n = rig.delivered.length;
    await until('ten more packets', () => rig.delivered.length >= n + 10, 10_000, 5);
  });

  test(`${f.label}: receive off without a word is found by the liveness probe within its bound`, async (t) => {
    const rig = await ModemRig.start(t, f, { livenessMs: LIVENESS_MS });
    rig.stream(20);
    await until('packets flowing', () => rig.delivered.length >= 3, 10_000, 5);
    rig.stopStream();
    rig.modem.deafen();
    const since = Date.now();
    rig.stream(20);
    const ms = await rig.hearsAgain(since);
    // Silence is only noticed after the liveness bound; the probe then re-arms at once.
    t.diagnostic(`heard again ${ms} ms after going deaf silently (liveness ${LIVENESS_MS} ms)`);
    assert.ok(ms <= LIVENESS_MS + HEARS_AGAIN_MS, `deaf ${ms} ms with liveness ${LIVENESS_MS} ms`);
  });
}

test('a wedged modem: state deaf while it is, the port reopened, running again once it answers', async (t) => {
  const rig = await ModemRig.start(t, FAMILIES[0]!, { livenessMs: LIVENESS_MS, backoffMinMs: 100, backoffMaxMs: 400 });
  rig.modem.mute(true);
  await until('state deaf', () => rig.adapter.status().state === 'deaf', 10_000, 10);
  assert.match(rig.adapter.status().detail ?? '', /no (packet and no )?answer/);
  await until('port reopened', () => rig.logged('modem not answering; reopening its port') >= 1, 10_000, 10);
  assert.equal(rig.adapter.status().state, 'deaf', 'reopening does not hide the deafness');
  rig.modem.mute(false);
  await until('running again', () => rig.adapter.status().state === 'running', 10_000, 10);
  rig.stream(20);
  const n = rig.delivered.length;
  await until('packets again', () => rig.delivered.length >= n + 3, 10_000, 5);
});
