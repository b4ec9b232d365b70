import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lorawanKey } from '../../src/core/key';
import type { Reading } from '../../src/core/reading';
import { SequenceCounter } from '../../src/core/sequence';
import { MemoryLog } from '../../src/pipeline/memory-log';
import { bodyOf, Pipeline, writeBody } from '../../src/pipeline/pipeline';
import { encodeCbor, encodeMapScratch, releaseScratch } from '../../src/wire/cbor';
import { decodeFrames } from '../../src/wire/message';

function rig(windowMs = 2000) {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-pipe-'));
  const log = new MemoryLog();
  const cursor = log.openCursor('t', { maxMessages: 1000, maxBytes: 1e7, overflow: 'drop-oldest' });
  const p = new Pipeline({ gatewayId: 'gw', windowMs, runGapMs: 10_000, runMaxMs: 300_000 }, SequenceCounter.open(dir), log);
  return { p, cursor, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const frame = Buffer.from('40F17DBE4900020001954378762B11FF0D', 'hex');
const heard = (src: string, timeUs: number): Reading => ({
  radio: 'lora', device: '49be7df1', src, raw: frame, timeUs, rssi: -80, snr: 3,
  fmt: 'lorawan', fields: { temperature_1: 21.5 }, authenticated: true,
  lorawan: { mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 2, fport: 1 },
  keySource: { kind: 'lorawan', devaddr: 0x49be7df1, fcnt: 2, mic: 0x2b11ff0d },
});

test('the same transmission heard by two radios is forwarded once; the duplicate is counted', () => {
  const { p, cursor, done } = rig();
  assert.ok(p.accept(heard('udp0', 1_000_000)));
  assert.equal(p.accept(heard('lora0', 1_150_000)), undefined);
  assert.equal(p.drops.duplicate, 1);
  const m = decodeFrames(cursor.poll()!.frames);
  assert.equal(cursor.poll(), undefined);
  assert.equal(m.topic, 'lora/49be7df1');
  assert.deepEqual(m.key, lorawanKey(Buffer.from('49be7df1', 'hex'), 2, Buffer.from('2b11ff0d', 'hex')));
  assert.equal(m.flags, 0b011, 'decoded + authenticated');
  assert.equal(m.body.src, 'udp0');
  assert.deepEqual(m.body.lorawan, { mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 2, fport: 1 });
  // Outside the window it is forwarded again (a backend de-duplicates by key).
  assert.ok(p.accept(heard('lora0', 9_000_000)));
  done();
});

test('a reading its stage already de-duplicated (windowed) skips the key window', () => {
  const { p, cursor, done } = rig();
  assert.ok(p.accept(heard('udp0', 1_000_000), true));
  assert.ok(p.accept(heard('udp0', 1_100_000), true));
  assert.equal(p.drops.duplicate, undefined);
  assert.ok(cursor.poll() && cursor.poll());
  done();
});

test('readings without a counter: one key per run of identical payloads; seq +1 per message', () => {
  const { p, cursor, done } = rig(0);
  const r = (raw: string, t: number): Reading => ({ radio: 'ble', device: 'c0ffee000001', src: 'ble0', raw: Buffer.from(raw, 'hex'), timeUs: t, rssi: -60 });
  p.accept(r('01', 1_000_000));
  p.accept(r('01', 1_100_000));
  p.accept(r('02', 1_200_000));
  const ms = [cursor.poll()!, cursor.poll()!, cursor.poll()!].map((e) => decodeFrames(e.frames));
  assert.deepEqual(ms[0].key, ms[1].key);
  assert.notDeepEqual(ms[1].key, ms[2].key);
  assert.equal(ms[1].seq, ms[0].seq + 1n);
  assert.equal(ms[0].flags, 0, 'not decoded');
  assert.equal(ms[0].body.fields, undefined);
  done();
});

test('gateway events are kind 2 on sys/<name>', () => {
  const { p, cursor, done } = rig();
  p.event('online', { version: 'x' });
  const m = decodeFrames(cursor.poll()!.frames);
  assert.equal(m.topic, 'sys/online');
  assert.equal(m.kind, 2);
  assert.equal(m.radio, 0);
  assert.equal(m.body.version, 'x');
  done();
});

test('a reading the log refuses (the spool: closed, seq order, too big) is not accepted: no seq back, a counted drop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-pipe-'));
  try {
    const refusing = { append: () => false, openCursor: () => { throw new Error('unused'); }, close: async () => undefined };
    const p = new Pipeline({ gatewayId: 'gw', windowMs: 2000, runGapMs: 10_000, runMaxMs: 300_000 }, SequenceCounter.open(dir), refusing);
    assert.equal(p.accept(heard('lora0', 1_764_000_000_000_000)), undefined, 'no seq: the gateway hands it to no tap');
    assert.equal(p.total, 0);
    assert.deepEqual(p.drops, { log_refused: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The body written member by member (writeBody) against the body built as a map (bodyOf):
// the wire bytes must not change with the faster path.
const written = (gw: string, r: Reading): Buffer => {
  const s = encodeMapScratch((m) => writeBody(m, gw, r));
  const out = Buffer.from(s.buf.subarray(0, s.len));
  releaseScratch();
  return out;
};

const bodyBase: Reading = { radio: 'lora', device: '26011bda', src: 'udp0', raw: Buffer.from('40da1b0126000100', 'hex'), timeUs: 1_700_000_000_000_000 };

const bodyReadings: Reading[] = [
  bodyBase,
  { ...bodyBase, rssi: -57, snr: 7.5, freq: 868_100_000, dr: 'SF7BW125' },
  { ...bodyBase, rssi: 0, snr: 9, freq: 902_300_000, dr: 'FSK50000' }, // integral snr stays a float64
  { ...bodyBase, snr: -20.25, lorawan: { mtype: 'UnconfirmedDataUp', devaddr: '26011bda', fcnt: 70_000, adr: true, ack: false, fport: 1 } },
  { ...bodyBase, name: 'Gewächshaus Süd', fmt: 'cayenne', fields: { temperature: 21.5, humidity: 40, alarm: true, label: 'ok' } },
  { radio: 'ble', device: 'a4c138000001', src: 'hci0', raw: Buffer.alloc(0), timeUs: 1, rssi: -90, fmt: 'bthome', fields: {} },
  { ...bodyBase, device: 'x'.repeat(200), src: '', fields: { big: 2 ** 40, neg: -(2 ** 33), tiny: 1e-9 } },
];

test('writeBody gives the same bytes as encoding bodyOf, for every kind of reading', () => {
  for (const [i, r] of bodyReadings.entries()) {
    for (const gw of ['gw-1', 'ünïcode-gw']) {
      assert.deepEqual(written(gw, r), encodeCbor(bodyOf(gw, r)), `reading ${i}, gateway ${gw}`);
    }
  }
});

