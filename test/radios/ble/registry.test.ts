import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BTHOME_VECTOR } from '../../../hardware/emulators/ble/index';
import { makeRig, waitFor } from './helpers';

test('every emulated sensor decodes through the real decoder registry (default decode path)', async () => {
  const rig = await makeRig({ decode: null });
  try {
    for (const s of rig.emu.sensors) await rig.adapter.pair(s.mac, { ...(s.key ? { key: s.key } : {}) });
    await waitFor(() => rig.adapter.status().state === 'running', 'adapter running');
    for (let i = 0; i < 3; i++) rig.emu.advertiseAll();
    await waitFor(() => rig.emu.sensors.every((s) => rig.byDevice(s.mac).length >= 3), 'three readings from every sensor');
    const summary = rig.emu.sensors.map((s) => {
      const r = rig.byDevice(s.mac)[2];
      return { kind: s.kind, fmt: r.fmt, counter: r.keySource?.kind === 'counter' ? r.keySource.counter : undefined, temperature: r.fields?.temperature, auth: r.authenticated };
    });
    console.log(`# ${JSON.stringify(summary)}`);
    for (const s of rig.emu.sensors) {
      const r = rig.byDevice(s.mac)[2];
      assert.ok(r.fmt && r.fields && Object.keys(r.fields).length > 0, `${s.kind} decoded`);
      if (s.kind !== 'ibeacon') assert.equal(r.fields.temperature, s.kind === 'atc1441' ? Math.round(s.temperatureAt(2) * 10) / 10 : s.temperatureAt(2), `${s.kind} temperature`);
    }
    assert.equal(rig.byDevice(BTHOME_VECTOR.mac)[0].authenticated, true);
    const drops = rig.adapter.status().drops;
    assert.equal(drops.auth_failed ?? 0, 0);
    assert.equal(drops.replay ?? 0, 0, `repeats are duplicates, not replays: ${JSON.stringify(drops)}`);
    assert.ok((drops.duplicate ?? 0) > 0);
  } finally {
    await rig.close();
  }
});
