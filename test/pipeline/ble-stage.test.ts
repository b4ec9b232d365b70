import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { BleStage, type BleStageOptions } from '../../src/pipeline/ble-stage';
import type { Advert, DecodeContext, DecodeResult } from '../../src/radios/ble/advert';
import type { BleHeard } from '../../src/radios/ble/heard';
import type { PairingFacts, PairingListener, PairingLookup } from '../../src/radios/ble/pairings';
import { rawPayload } from '../../src/radios/ble/advert-bytes';

// The BLE decoding stage without noble or an emulator: adverts built by hand, a pairing list in
// memory and a small decoder with the behaviour that matters here (keys, counters, refusals).

const MAC = 'a4c138000001';
const KEY = Buffer.from('231d39c1d7cc1ab1aee224cd096db932', 'hex');
const WRONG = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

/** Pairings in memory; `set` tells listeners like the real store does after a change. */
class Pairings implements PairingLookup {
  private readonly m = new Map<string, PairingFacts>();
  private readonly listeners: PairingListener[] = [];
  get(mac: string): PairingFacts | undefined {
    return this.m.get(mac);
  }
  macs(): string[] {
    return [...this.m.keys()];
  }
  onChange(l: PairingListener): void {
    this.listeners.push(l);
  }
  set(mac: string, facts: PairingFacts | undefined): void {
    const before = this.m.get(mac);
    if (facts) this.m.set(mac, facts);
    else this.m.delete(mac);
    for (const l of this.listeners) l(mac, facts, before);
  }
}

/**
 * Service data `fcd2`: [flags, counter, value]; flags bit 0 = encrypted (needs KEY, refuses a
 * counter at or below the last one as decoders do). Service data `0001`: [counter, value],
 * unauthenticated. Anything else: not recognised (undefined).
 */
function decode(a: Advert, ctx: DecodeContext): DecodeResult | undefined {
  const sd = a.serviceData[0];
  if (sd?.uuid === 'fcd2') {
    const [flags, counter, value] = sd.data;
    if (flags & 1) {
      if (!ctx.bindkey) return { fmt: 'toy', error: 'no_key' };
      if (!ctx.bindkey.equals(KEY)) return { fmt: 'toy', error: 'auth_failed' };
      if (ctx.lastCounter !== undefined && counter <= ctx.lastCounter) return { fmt: 'toy', error: 'replay' };
      return { fmt: 'toy', fields: { value }, counter, authenticated: true, payload: sd.data };
    }
    return { fmt: 'toy', fields: { value }, counter, payload: sd.data };
  }
  if (sd?.uuid === '0001') return { fmt: 'plain', fields: { value: sd.data[1] }, counter: sd.data[0], payload: sd.data };
  return undefined;
}

let time = 1_700_000_000_000;

function heard(advert: Partial<Advert> & { serviceData?: Advert['serviceData'] }, mac = MAC): BleHeard {
  const a: Advert = { mac, rssi: -60, serviceData: [], ...advert };
  return { radio: 'ble', device: mac, src: 'ble0', raw: rawPayload(a) ?? Buffer.alloc(0), timeUs: 42, rssi: a.rssi, advert: a };
}
const toy = (flags: number, counter: number, value: number, mac = MAC) =>
  heard({ serviceData: [{ uuid: 'fcd2', data: Buffer.from([flags, counter, value]) }] }, mac);

function makeStage(t: { after(fn: () => void): void }, o: Partial<BleStageOptions> = {}): { stage: BleStage; pairings: Pairings; dir: string } {
  const dir = o.stateDir ?? mkdtempSync(join(tmpdir(), 'lowband-ble-stage-'));
  if (o.stateDir === undefined) t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pairings = (o.pairings as Pairings | undefined) ?? new Pairings();
  const stage = new BleStage({ forward: 'paired', maxDevices: 16, stateDir: dir, log: pino({ level: 'silent' }), pairings, decode, now: () => time, ...o });
  stage.open();
  t.after(() => stage.close());
  return { stage, pairings, dir };
}

test('an advert of a paired sensor becomes a decoded reading with its label and counter key', (t) => {
  const { stage, pairings } = makeStage(t);
  pairings.set(MAC, { key: KEY, name: 'porch' });
  const input = toy(1, 7, 21);
  const r = stage.process(input);
  assert.ok(r);
  assert.deepEqual(
    { radio: r.radio, device: r.device, src: r.src, timeUs: r.timeUs, rssi: r.rssi, fmt: r.fmt, fields: r.fields, name: r.name, authenticated: r.authenticated },
    { radio: 'ble', device: MAC, src: 'ble0', timeUs: 42, rssi: -60, fmt: 'toy', fields: { value: 21 }, name: 'porch', authenticated: true },
  );
  assert.deepEqual(r.raw, Buffer.from([1, 7, 21]));
  assert.notEqual(r.raw.buffer, input.advert.serviceData[0].data.buffer, 'the reading owns its bytes');
  assert.deepEqual(r.keySource, { kind: 'counter', mac: MAC, fmt: 'toy', counter: 7, payload: r.raw });
  assert.equal('advert' in r, false, 'what the radio heard stays behind');
  assert.equal(stage.forwarded, 1);
  assert.deepEqual(stage.lastDecoded(MAC), { fmt: 'toy', fields: { value: 21 } });
  assert.deepEqual(stage.drops, {});
  assert.deepEqual(stage.alarms(), []);
});

test('a wrong bindkey: a counted drop and a pairing problem, cleared by pairing with the right key', (t) => {
  const { stage, pairings } = makeStage(t);
  pairings.set(MAC, { key: WRONG, name: 'porch' });
  assert.equal(stage.process(toy(1, 1, 20)), null);
  assert.equal(stage.process(toy(1, 2, 20)), null);
  assert.equal(stage.drops.auth_failed, 2);
  assert.equal(stage.problem(MAC), 'auth_failed');
  assert.deepEqual(stage.alarms(), ['auth_failed: a4:c1:38:00:00:01 (porch)']);
  assert.equal(stage.lastDecoded(MAC)?.fmt, 'toy', 'scan still shows what it is');
  pairings.set(MAC, { key: KEY, name: 'porch' });
  assert.equal(stage.problem(MAC), undefined, 'pairing again clears the mark at once');
  assert.ok(stage.process(toy(1, 3, 20)));
  assert.deepEqual(stage.alarms(), []);
  // paired without a key, the sensor's encrypted adverts are no_key
  pairings.set(MAC, { name: 'porch' });
  assert.equal(stage.process(toy(1, 4, 20)), null);
  assert.equal(stage.drops.no_key, 1);
  assert.equal(stage.problem(MAC), 'no_key');
});

test('an authenticated counter at or below the last accepted one is refused as a replay', (t) => {
  const { stage, pairings } = makeStage(t);
  pairings.set(MAC, { key: KEY });
  assert.ok(stage.process(toy(1, 10, 1)));
  assert.equal(stage.process(toy(1, 5, 2)), null, 'an older counter');
  assert.equal(stage.drops.replay, 1);
  assert.ok(stage.process(toy(1, 11, 3)), 'the next genuine one passes');
  assert.equal(stage.forwarded, 2);
});

test('replay counters persist: after close and reopen an old frame is still refused', (t) => {
  const first = makeStage(t);
  first.pairings.set(MAC, { key: KEY });
  assert.ok(first.stage.process(toy(1, 10, 1)));
  first.stage.close();
  const again = makeStage(t, { stateDir: first.dir, pairings: first.pairings });
  assert.equal(again.stage.process(toy(1, 9, 1)), null);
  assert.equal(again.stage.drops.replay, 1);
  assert.equal(again.stage.process(toy(1, 10, 1)), null, 'the last accepted advert again');
  assert.equal(again.stage.drops.duplicate, 1);
});

test('the same counter again is a duplicate, whether the bytes repeat or not', (t) => {
  const { stage, pairings } = makeStage(t);
  pairings.set(MAC, {});
  const plain = (counter: number, value: number) => heard({ serviceData: [{ uuid: '0001', data: Buffer.from([counter, value]) }] });
  assert.ok(stage.process(plain(3, 20)));
  assert.equal(stage.process(plain(3, 20)), null, 'the same advert repeated');
  assert.equal(stage.process(plain(3, 21)), null, 'other bytes, same counter');
  assert.equal(stage.drops.duplicate, 2);
  assert.ok(stage.process(plain(4, 21)));
  assert.equal(stage.forwarded, 2);
});

test('undecodable adverts: raw with forward=all, a counted drop otherwise, strangers not counted', (t) => {
  const manufacturerData = Buffer.from('ffff0102', 'hex');
  const all = makeStage(t, { forward: 'all' });
  all.pairings.set(MAC, { name: 'tag' });
  const r = all.stage.process(heard({ manufacturerData }));
  assert.ok(r);
  assert.deepEqual({ fmt: r.fmt, fields: r.fields, name: r.name, keySource: r.keySource }, { fmt: undefined, fields: undefined, name: 'tag', keySource: undefined });
  assert.deepEqual(r.raw, manufacturerData);
  assert.notEqual(r.raw.buffer, manufacturerData.buffer);
  assert.deepEqual(all.stage.lastDecoded(MAC), { fmt: undefined, fields: undefined });
  const stranger = 'a4c138000002';
  assert.equal(all.stage.process(heard({ manufacturerData }, stranger)), null);
  assert.ok(all.stage.process(toy(0, 1, 5, stranger)), 'a stranger that decodes passes with forward=all');
  assert.deepEqual(all.stage.drops, {});

  const paired = makeStage(t);
  paired.pairings.set(MAC, {});
  assert.equal(paired.stage.process(heard({ manufacturerData })), null);
  assert.deepEqual(paired.stage.drops, { undecodable: 1 });
});

test('a throwing decoder and a reading that is no advert are counted drops, not crashes', (t) => {
  const { stage, pairings } = makeStage(t, {
    decode: () => {
      throw new Error('bug');
    },
  });
  pairings.set(MAC, {});
  assert.equal(stage.process(toy(0, 1, 1)), null);
  assert.equal(stage.process({ radio: 'ble', device: MAC, src: 'ble0', raw: Buffer.alloc(1), timeUs: 1 }), null);
  assert.deepEqual(stage.drops, { decoder_error: 1, not_an_advert: 1 });
});

test('a sensor whose counter went back and stays back restarted: accepted afresh', (t) => {
  const { stage, pairings } = makeStage(t);
  pairings.set(MAC, { key: KEY });
  assert.ok(stage.process(toy(1, 200, 1)));
  // new battery: it counts from 1 again; every distinct advert is one refusal
  for (let c = 1; c <= 5; c++) {
    time += 15_000;
    assert.equal(stage.process(toy(1, c, 1)), null);
  }
  assert.equal(stage.drops.counter_reset, 1);
  assert.ok(stage.process(toy(1, 6, 1)), 'its new counter is accepted');
});
