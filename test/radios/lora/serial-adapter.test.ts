import assert from 'node:assert/strict';
import { readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { profileFor } from '../../../src/radios/lora/profiles';
import { SerialModemAdapter } from '../../../src/radios/lora/serial-adapter';
import { createLogger } from '../../../src/util/log';
import { until } from '../../helpers/processes';
import { FAMILIES, ModemRig } from './rig';

// SerialModemAdapter in this process against an emulated modem on a socat pty: what the daemon
// does with a serial modem, without spawning the daemon.

test('readings carry the packet, its metadata and the adapter name; status counts them', async (t) => {
  const rig = await ModemRig.start(t, FAMILIES[0]!);
  const s0 = rig.adapter.status();
  assert.equal(s0.kind, 'rn2483');
  assert.equal(s0.state, 'running');
  assert.match(s0.detail ?? '', /receiving on .*m\.host/);
  assert.equal(s0.received, 0);
  // Receive is single-shot on this modem: the next packet is heard once the driver re-armed.
  for (let i = 0; i < 3; i++) {
    await until('armed', () => rig.modem.core.receiving, 10_000, 2);
    rig.hearNext();
    await until(`reading ${i}`, () => rig.readings.length > i, 10_000, 5);
  }
  const r = rig.readings[0]!.reading;
  assert.equal(r.radio, 'lora');
  assert.equal(r.device, 'raw');
  assert.equal(r.src, 'lora0');
  assert.equal(r.raw.toString('hex'), 'a500000000');
  assert.equal(r.rssi, -70);
  assert.equal(r.snr, 6);
  assert.equal(r.freq, 868_100_000);
  assert.equal(r.dr, 'SF7BW125');
  assert.ok(Math.abs(r.timeUs / 1000 - Date.now()) < 60_000);
  assert.deepEqual(rig.delivered, [0, 1, 2]);
  const s = rig.adapter.status();
  assert.equal(s.received, 3);
  assert.equal(s.lastHeardUs, rig.readings[2]!.reading.timeUs);
  assert.deepEqual(s.drops, {});
});

test('garbage and over-long lines are counted drops; receiving goes on', async (t) => {
  const rig = await ModemRig.start(t, FAMILIES[3]!);
  rig.modem.injectGarbage(Buffer.from('\u0001\u0002zz\r\n+TEST: RX "GG"\r\n'));
  rig.modem.injectLongLine(64 * 1024, true);
  await rig.modem.flush();
  await until('drops counted', () => (rig.adapter.status().drops.line_too_long ?? 0) >= 1 && (rig.adapter.status().drops.garbage ?? 0) >= 1, 10_000, 5);
  assert.equal(rig.adapter.status().drops.orphan_payload, 1);
  rig.hearNext();
  await until('a reading', () => rig.delivered.length === 1, 10_000, 5);
  // The probe's answer may queue behind the long line past its timeout: then a re-init, still quick.
  await until('running', () => rig.adapter.status().state === 'running', 10_000, 5);
  assert.equal(rig.logged('over-long line from modem discarded'), 1);
});

test('unplugged: reconnecting with the reason; plugged back: reopened, re-initialised, receiving', async (t) => {
  const rig = await ModemRig.start(t, FAMILIES[1]!, { backoffMinMs: 50, backoffMaxMs: 200 });
  await rig.modem.unplug();
  await until('reconnecting', () => rig.adapter.status().state === 'reconnecting', 10_000, 5);
  assert.match(rig.adapter.status().detail ?? '', /m\.host/);
  await until('a failed reopen or two', () => rig.logged('serial port lost; reopening') >= 1, 10_000, 5);
  await rig.modem.replug();
  await until('running again', () => rig.adapter.status().state === 'running', 10_000, 5);
  assert.ok(rig.logged('serial port open') >= 2);
  rig.hearNext();
  await until('a reading after replug', () => rig.delivered.length === 1, 10_000, 5);
});

test('a port that does not exist yet: retried with backoff until it appears', async (t) => {
  const rig = await ModemRig.start(t, FAMILIES[0]!);
  await rig.adapter.stop();
  assert.equal(rig.adapter.status().state, 'stopped');
  const missing = join(rig.modem.hostPath, '..', 'not-yet');
  const a = new SerialModemAdapter(
    { name: 'late', port: missing, radio: { freq: 868_100_000, sf: 7, bw: 125, cr: '4/5' }, backoffMinMs: 20, backoffMaxMs: 100 },
    profileFor('rn2483')!,
    createLogger('silent'),
  );
  t.after(() => a.stop());
  await a.start(() => undefined);
  await until('reconnecting', () => a.status().state === 'reconnecting', 10_000, 5);
  assert.match(a.status().detail ?? '', /not-yet/);
  symlinkSync(readlinkSync(rig.modem.hostPath), missing);
  await until('running', () => a.status().state === 'running', 10_000, 5);
});

test('port: auto finds the modem among candidates by its probe; stop releases the port', async (t) => {
  const rig = await ModemRig.start(t, FAMILIES[0]!);
  await rig.adapter.stop();
  const a = new SerialModemAdapter(
    { name: 'auto0', port: 'auto', candidates: () => [join(rig.modem.hostPath, '..', 'nothing'), rig.modem.hostPath], radio: { freq: 868_100_000, sf: 7, bw: 125, cr: '4/5' } },
    profileFor('rn2483')!,
    createLogger('silent'),
  );
  t.after(() => a.stop());
  const got: number[] = [];
  await a.start((r) => got.push(r.raw.length));
  await until('running', () => a.status().state === 'running', 10_000, 5);
  assert.match(a.status().detail ?? '', /m\.host/);
  rig.modem.hear(Buffer.from([1, 2, 3]));
  await until('reading', () => got.length === 1, 10_000, 5);
  await a.stop();
  assert.equal(a.status().state, 'stopped');
  // Stopped for good: a packet heard now reaches nobody, and nothing reopens the port.
  rig.modem.hear(Buffer.from([4]));
  await rig.modem.flush();
  assert.equal(a.status().state, 'stopped');
  assert.deepEqual(got, [3]);
});
