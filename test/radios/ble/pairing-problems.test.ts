import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BTHOME_VECTOR } from '../../../hardware/emulators/ble/index';
import { HANDLERS } from '../../../src/control/handlers';
import type { GatewayServices, GatewayStatus } from '../../../src/control/protocol';
import { PAIRING_PROBLEM_LOG_MS } from '../../../src/radios/ble/pairing-problems';
import type { NearbyDevice, PairedDevice } from '../../../src/radios/ble/pairing';
import { FakeClock, makeRig, waitFor, type Rig } from './helpers';

// Issue 11 item 4: a paired sensor with a wrong bindkey was only an `auth_failed` count among
// the drops; nothing said which sensor, and scan / devices / status looked healthy.

const WRONG_KEY = '00112233445566778899aabbccddeeff';
const MAC = '54:48:e6:8f:80:a5';
const running = (rig: Rig) => rig.adapter.status().state === 'running';
const warnings = (rig: Rig) =>
  rig.lines.map((l) => JSON.parse(l) as { level: number; msg: string; suppressed?: number }).filter((l) => l.level === 40 && /BLE sensor/.test(l.msg));

function services(rig: Rig): GatewayServices {
  return { status: () => ({}) as GatewayStatus, ble: rig.adapter };
}

test('a wrong bindkey: one WARN naming the sensor (never the key) per interval, marked in scan, devices and status', async (t) => {
  const clock = new FakeClock();
  const rig = await makeRig({ clock, decode: null, sensors: [{ kind: 'bthome-encrypted', mac: BTHOME_VECTOR.mac, key: BTHOME_VECTOR.key }] });
  t.after(() => rig.close());
  await waitFor(() => running(rig), 'adapter running');
  await rig.adapter.pair(BTHOME_VECTOR.mac, { name: 'porch', key: WRONG_KEY });
  for (let i = 0; i < 5; i++) rig.emu.advertiseAll();
  await waitFor(() => (rig.adapter.status().drops.auth_failed ?? 0) >= 5, 'auth failures counted');

  const warned = warnings(rig);
  assert.equal(warned.length, 1, 'rate-limited: one line for five failures');
  assert.match(warned[0].msg, /^BLE sensor 54:48:e6:8f:80:a5 \(porch\) fails authentication: its bindkey is wrong/);
  const log = rig.lines.join('');
  assert.ok(!log.includes(WRONG_KEY) && !log.includes(BTHOME_VECTOR.key), 'no key in the log');

  const st = rig.adapter.status();
  assert.equal(st.state, 'degraded', 'a paired sensor whose readings are all lost is an alarm');
  assert.match(st.detail ?? '', /auth_failed: 54:48:e6:8f:80:a5 \(porch\)/);
  const near = (await HANDLERS.scan({ seconds: 0 }, services(rig))) as NearbyDevice[];
  assert.deepEqual(near.map((d) => [d.mac, d.paired, d.fmt, d.error]), [[MAC, true, 'bthome', 'auth_failed']]);
  const listed = (await HANDLERS.devices({}, services(rig))) as PairedDevice[];
  assert.deepEqual(listed.map((d) => [d.mac, d.name, d.hasKey, d.error]), [[MAC, 'porch', true, 'auth_failed']]);
  assert.ok(!JSON.stringify([near, listed, st]).includes(WRONG_KEY));

  const failures = rig.adapter.status().drops.auth_failed ?? 0;
  clock.advance(PAIRING_PROBLEM_LOG_MS);
  rig.emu.advertiseAll();
  await waitFor(() => warnings(rig).length === 2, 'the next interval logs again');
  assert.equal(warnings(rig)[1].suppressed, failures - 1, 'with how many were held back (every failure but the logged one)');

  // pairing again with the right key and no --name keeps the name and clears the mark
  const again = (await HANDLERS.pair({ mac: '54-48-E6-8F-80-A5', key: BTHOME_VECTOR.key }, services(rig))) as PairedDevice;
  assert.deepEqual([again.mac, again.name, again.hasKey], [MAC, 'porch', true]);
  rig.emu.advertiseAll();
  await waitFor(() => rig.readings.length === 1, 'reading with the right key');
  assert.equal(rig.readings[0].name, 'porch');
  assert.equal(rig.readings[0].device, '5448e68f80a5', 'topic ids stay 12 hex digits');
  assert.equal(rig.adapter.status().state, 'running');
  assert.equal(rig.adapter.nearby()[0].error, undefined);
  assert.equal(rig.adapter.devices()[0].error, undefined);
});

test('an encrypting sensor paired without a key is marked no_key and logged, a stranger is not', async (t) => {
  const rig = await makeRig({
    decode: null,
    sensors: [
      { kind: 'bthome-encrypted', mac: BTHOME_VECTOR.mac, key: BTHOME_VECTOR.key },
      { kind: 'bthome-encrypted', mac: 'c0:ff:ee:00:00:01', key: WRONG_KEY },
    ],
  });
  t.after(() => rig.close());
  await waitFor(() => running(rig), 'adapter running');
  await rig.adapter.pair(BTHOME_VECTOR.mac, {});
  rig.emu.advertiseAll();
  await waitFor(() => (rig.adapter.status().drops.no_key ?? 0) >= 1 && rig.adapter.nearby().length === 2, 'no_key counted');
  assert.match(warnings(rig)[0]?.msg ?? '', /^BLE sensor 54:48:e6:8f:80:a5 sends encrypted adverts but was paired without a bindkey/);
  assert.equal(warnings(rig).length, 1, 'the stranger is none of our business');
  assert.equal(rig.adapter.devices()[0].error, 'no_key');
  assert.deepEqual(rig.adapter.nearby().map((d) => d.error).sort(), ['no_key', undefined]);
  assert.match(rig.adapter.status().detail ?? '', /no_key: 54:48:e6:8f:80:a5/);
  assert.equal(await rig.adapter.unpair(MAC), true);
  assert.equal(rig.adapter.status().state, 'running', 'unpairing clears the mark');
});

test('pair --model reaches the decoder; a sensor whose model is unknown is marked model_unknown until paired with one', async (t) => {
  const seen: (string | undefined)[] = [];
  const rig = await makeRig({
    sensors: [{ kind: 'ibeacon', mac: 'c0:ff:ee:00:00:02' }],
    // stands in for a format whose passive adverts do not say the model (SwitchBot)
    decode: (a, ctx) => {
      const model = (ctx as { model?: string }).model;
      seen.push(model);
      return model === 'wosensorth' ? { fmt: 'switchbot', fields: { temperature: 20 }, payload: a.manufacturerData! } : { fmt: 'switchbot', error: 'model_unknown' };
    },
  });
  t.after(() => rig.close());
  await waitFor(() => running(rig), 'adapter running');
  await rig.adapter.pair('c0ffee000002', { name: 'cellar' });
  rig.emu.advertiseAll();
  await waitFor(() => rig.adapter.devices()[0]?.error === 'model_unknown', 'marked model_unknown');
  assert.match(warnings(rig)[0]?.msg ?? '', /^BLE sensor c0:ff:ee:00:00:02 \(cellar\) does not say which model it is .* --model$/);
  const again = (await HANDLERS.pair({ mac: 'c0:ff:ee:00:00:02', model: 'WoSensorTH' }, services(rig))) as PairedDevice;
  assert.deepEqual([again.name, again.model], ['cellar', 'wosensorth']);
  rig.emu.advertiseAll();
  await waitFor(() => rig.readings.length >= 1, 'decoded once the model is known');
  assert.equal(seen.at(-1), 'wosensorth');
  assert.equal(rig.adapter.devices()[0].error, undefined);
  await assert.rejects(Promise.resolve().then(() => HANDLERS.pair({ mac: 'c0ffee000002', model: 'a b' }, services(rig))), /model: letters, digits/);
});

test('a sensor that decodes is working: a stray failure between good adverts is counted, not marked or logged', async (t) => {
  const clock = new FakeClock();
  let fail = false;
  const rig = await makeRig({
    clock,
    sensors: [{ kind: 'ibeacon', mac: 'c0:ff:ee:00:00:03' }],
    // a SwitchBot sends model-less adverts between full ones
    decode: (a) => (fail ? { fmt: 'switchbot', error: 'model_unknown' } : { fmt: 'switchbot', fields: { temperature: 20 }, payload: a.manufacturerData! }),
  });
  t.after(() => rig.close());
  await waitFor(() => running(rig), 'adapter running');
  await rig.adapter.pair('c0ffee000003', {});
  rig.emu.advertiseAll();
  await waitFor(() => rig.readings.length >= 1, 'decoded');
  fail = true;
  rig.emu.advertiseAll();
  await waitFor(() => (rig.adapter.status().drops.model_unknown ?? 0) >= 1, 'failure counted');
  assert.equal(rig.adapter.devices()[0].error, undefined);
  assert.equal(warnings(rig).length, 0);
  assert.equal(rig.adapter.status().state, 'running');
  // nothing decoded for a whole interval: now it is a problem
  clock.advance(PAIRING_PROBLEM_LOG_MS);
  rig.emu.advertiseAll();
  await waitFor(() => rig.adapter.devices()[0].error === 'model_unknown', 'marked after an interval without a decode');
  assert.equal(warnings(rig).length, 1);
});

test('scan of a sensor paired with a wrong key: the format and the fields seen before pairing stay shown, with the mark', async (t) => {
  const rig = await makeRig({
    sensors: [{ kind: 'ibeacon', mac: 'c0:ff:ee:00:00:04' }],
    // without a key it reads (the glance for scan); with the wrong one it fails authentication
    decode: (a, ctx) => (ctx.bindkey ? { fmt: 'toy', error: 'auth_failed' } : { fmt: 'toy', fields: { temperature: 20 }, payload: a.manufacturerData! }),
  });
  t.after(() => rig.close());
  await waitFor(() => running(rig), 'adapter running');
  rig.emu.advertiseAll();
  await waitFor(() => rig.adapter.nearby()[0]?.fields !== undefined, 'decoded for scan');
  await rig.adapter.pair('c0ffee000004', { key: '00112233445566778899aabbccddeeff' });
  rig.emu.advertiseAll();
  await waitFor(() => (rig.adapter.status().drops.auth_failed ?? 0) >= 1, 'auth_failed counted');
  const [d] = rig.adapter.nearby();
  assert.deepEqual([d.fmt, d.fields, d.error, d.paired], ['toy', { temperature: 20 }, 'auth_failed', true]);
  assert.equal(rig.readings.length, 0);
});
