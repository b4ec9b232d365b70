import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fixturePath } from '../../../helpers/paths';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Config } from '../../../../src/config/schema';
import type { Reading } from '../../../../src/core/reading';
import { LoraFrameDecoder } from '../../../../src/radios/lora/lorawan/decoder';
import { V, buildDataFrame } from './frames';

const NWK = V.nwkskey.toString('hex');
const APP = V.appskey.toString('hex');

function fixture(name: string): string {
  return fixturePath('codecs', name);
}

function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { logger: pino({ level: 'debug' }, dest), lines };
}

function cfg(over: Partial<Config['lorawan']> = {}, codec = 'cayenne'): Config['lorawan'] {
  return {
    devices: [
      { devaddr: '49be7df1', nwkskey: NWK, appskey: APP, codec: 'raw', name: 'vector-device' },
      { devaddr: '26011bda', nwkskey: NWK, appskey: APP, codec, name: undefined },
    ],
    drop_mic_failures: false,
    codec_timeout_ms: 50,
    ...over,
  } as Config['lorawan'];
}

const reading = (raw: Buffer, src = 'udp0'): Reading => ({ radio: 'lora', device: 'raw', src, raw, timeUs: 1_700_000_000_000_000 });

test('known device, MIC ok: authenticated, decrypted, codec fields; device and lorawan map per the wire spec', () => {
  const { logger } = capture();
  const d = new LoraFrameDecoder(cfg(), { logger });
  const r = d.decode(reading(Buffer.from(V.frames[0].phy, 'hex')), true);
  assert.ok(r);
  assert.equal(r.device, '49be7df1');
  assert.equal(r.authenticated, true);
  assert.deepEqual(r.lorawan, { mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 2, fport: 1, adr: false, ack: false });
  assert.equal(r.fmt, 'raw');
  assert.deepEqual(r.fields, { payload: '74657374', fport: 1 });
  assert.ok(r.keySource && r.keySource.kind === 'lorawan');
  assert.equal(r.keySource.devaddr.toString(16).padStart(8, '0'), '49be7df1', 'keySource DevAddr is MSB-first');
  assert.equal(r.keySource.fcnt, 2);
  assert.equal(r.keySource.mic.toString(16).padStart(8, '0'), '2b11ff0d', 'keySource MIC in on-air byte order');
  assert.equal(d.counters.authenticated, 1);
  assert.equal(d.counters.decoded, 1);
});

test('cayenne codec on a known device gives channel-suffixed fields', () => {
  const d = new LoraFrameDecoder(cfg(), { logger: pino({ level: 'silent' }) });
  const payload = Buffer.from('03670110056700ff', 'hex');
  const phy = buildDataFrame({ devaddr: '26011bda', fcnt32: 10, fport: 2, payload, nwkskey: V.nwkskey, appskey: V.appskey, fctrl: 0x80 });
  const r = d.decode(reading(phy), true);
  assert.ok(r);
  assert.equal(r.fmt, 'cayenne');
  assert.deepEqual(r.fields, { temperature_3: 27.2, temperature_5: 25.5 });
  assert.equal(r.lorawan?.adr, true);
});

test('32-bit FCnt is reconstructed in the lorawan map; keySource keeps the on-air 16 bits', () => {
  const d = new LoraFrameDecoder(cfg(), { logger: pino({ level: 'silent' }) });
  const mk = (fcnt32: number): Buffer => buildDataFrame({ devaddr: '26011bda', fcnt32, fport: 2, payload: Buffer.from('0167ffd7', 'hex'), nwkskey: V.nwkskey, appskey: V.appskey });
  for (const f of [65534, 65535, 65536, 65537]) {
    const r = d.decode(reading(mk(f)), true);
    assert.ok(r);
    assert.equal(r.authenticated, true, `fcnt ${f}`);
    assert.equal(r.lorawan?.fcnt, f);
    assert.ok(r.keySource?.kind === 'lorawan');
    assert.equal(r.keySource.fcnt, f & 0xffff);
    assert.deepEqual(r.fields, { temperature_1: -4.1 });
  }
});

test('unknown device: forwarded undecoded with DevAddr as device, not authenticated', () => {
  const d = new LoraFrameDecoder(cfg({ devices: [] }), { logger: pino({ level: 'silent' }) });
  const r = d.decode(reading(Buffer.from(V.frames[2].phy, 'hex')), true);
  assert.ok(r);
  assert.equal(r.device, '49be7df1');
  assert.equal(r.authenticated, false);
  assert.equal(r.fields, undefined);
  assert.equal(r.fmt, undefined);
  assert.equal(r.lorawan?.fcnt, 4);
  assert.equal(r.keySource?.kind, 'lorawan');
  assert.equal(d.counters.unknown_device, 1);
});

test('MIC failure (wrong NwkSKey): counted and forwarded undecoded, or dropped with drop_mic_failures; keys never logged', () => {
  const wrongNwk = 'ff' + NWK.slice(2);
  const devices = [{ devaddr: '49be7df1', nwkskey: wrongNwk, appskey: APP, codec: 'raw', name: undefined }];
  const { logger, lines } = capture();
  const fwd = new LoraFrameDecoder(cfg({ devices }), { logger });
  const r = fwd.decode(reading(Buffer.from(V.frames[0].phy, 'hex')), true);
  assert.ok(r);
  assert.equal(r.authenticated, false);
  assert.equal(r.fields, undefined);
  assert.equal(r.device, '49be7df1');
  assert.equal(fwd.counters.mic_failed, 1);
  const drop = new LoraFrameDecoder(cfg({ devices, drop_mic_failures: true }), { logger });
  assert.equal(drop.decode(reading(Buffer.from(V.frames[0].phy, 'hex')), true), null);
  assert.equal(drop.counters.mic_failed, 1);
  assert.equal(drop.counters.mic_dropped, 1);
  const all = lines.join('');
  assert.match(all, /MIC check failed/);
  for (const k of [wrongNwk, APP, NWK]) assert.equal(all.includes(k), false, 'key material in the log');
});

test('wrong AppSKey: MIC verifies (authenticated) but the plaintext differs', () => {
  const devices = [{ devaddr: '49be7df1', nwkskey: NWK, appskey: V.wrongAppskey.toString('hex'), codec: 'raw', name: undefined }];
  const d = new LoraFrameDecoder(cfg({ devices }), { logger: pino({ level: 'silent' }) });
  const r = d.decode(reading(Buffer.from(V.frames[0].phy, 'hex')), true);
  assert.ok(r);
  assert.equal(r.authenticated, true);
  assert.equal(r.fields?.payload, V.wrongAppskeyPlain);
});

test('join request: device is the DevEUI (16 hex), keySource lorawan-join with the PHYPayload', () => {
  const d = new LoraFrameDecoder(cfg(), { logger: pino({ level: 'silent' }) });
  const raw = Buffer.from(V.join.phy, 'hex');
  const r = d.decode(reading(raw), true);
  assert.ok(r);
  assert.equal(r.device, '3331383274356905');
  assert.deepEqual(r.lorawan, { mtype: 'JoinRequest', deveui: '3331383274356905', joineui: 'aa13693363343639' });
  assert.ok(r.keySource?.kind === 'lorawan-join');
  assert.deepEqual(r.keySource.phy, raw);
  assert.equal(d.counters.join_request, 1);
});

test('P2P modem packets: LoRaWAN only when it parses and the DevAddr is configured; else device raw', () => {
  const d = new LoraFrameDecoder(cfg(), { logger: pino({ level: 'silent' }) });
  const known = d.decode(reading(Buffer.from(V.frames[0].phy, 'hex'), 'lora0'), false);
  assert.equal(known?.device, '49be7df1');
  assert.equal(known?.authenticated, true);
  const foreign = buildDataFrame({ devaddr: '01020304', fcnt32: 1, fport: 1, payload: Buffer.from([1]), nwkskey: V.nwkskey, appskey: V.appskey });
  const p2p = [Buffer.from('hello sensor 42'), foreign, Buffer.from(V.join.phy, 'hex'), Buffer.alloc(0)];
  for (const raw of p2p) {
    const r = d.decode(reading(raw, 'lora0'), false);
    assert.ok(r);
    assert.equal(r.device, 'raw');
    assert.equal(r.lorawan, undefined);
    assert.equal(r.authenticated, undefined);
  }
  assert.equal(d.counters.raw, 4);
  assert.equal(d.counters.malformed, 0, 'P2P packets that are not LoRaWAN are not malformed');
});

test('concentrator packets that are not LoRaWAN are counted malformed and forwarded as raw', () => {
  const d = new LoraFrameDecoder(cfg(), { logger: pino({ level: 'silent' }) });
  const r = d.decode(reading(Buffer.from('41aabb', 'hex')), true);
  assert.equal(r?.device, 'raw');
  assert.equal(d.counters.malformed, 1);
});

test('codec errors and timeouts are counted; the reading stays authenticated and later frames still decode', () => {
  const d = new LoraFrameDecoder(
    {
      devices: [
        { devaddr: '26011bda', nwkskey: NWK, appskey: APP, codec: 'cayenne', name: undefined },
        { devaddr: '26011bdc', nwkskey: NWK, appskey: APP, codec: fixture('loop.js'), name: undefined },
      ],
      drop_mic_failures: false, codec_timeout_ms: 30,
    } as Config['lorawan'],
    { logger: pino({ level: 'silent' }) },
  );
  const bad = buildDataFrame({ devaddr: '26011bda', fcnt32: 1, fport: 2, payload: Buffer.from('01ff00', 'hex'), nwkskey: V.nwkskey, appskey: V.appskey });
  const r1 = d.decode(reading(bad), true);
  assert.equal(r1?.authenticated, true);
  assert.equal(r1?.fields, undefined);
  assert.equal(d.counters.codec_error, 1);
  const looping = buildDataFrame({ devaddr: '26011bdc', fcnt32: 1, fport: 2, payload: Buffer.from([1]), nwkskey: V.nwkskey, appskey: V.appskey });
  const r2 = d.decode(reading(looping), true);
  assert.equal(r2?.authenticated, true);
  assert.equal(r2?.fields, undefined);
  assert.equal(d.counters.codec_timeout, 1);
  const good = buildDataFrame({ devaddr: '26011bda', fcnt32: 2, fport: 2, payload: Buffer.from('0167ffd7', 'hex'), nwkskey: V.nwkskey, appskey: V.appskey });
  assert.deepEqual(d.decode(reading(good), true)?.fields, { temperature_1: -4.1 });
});

test('TS013 codec file named relative to baseDir', () => {
  const dir = join(fixture('ts013-example.js'), '..');
  const d = new LoraFrameDecoder(cfg({}, 'ts013-example.js'), { logger: pino({ level: 'silent' }), baseDir: dir });
  const phy = buildDataFrame({ devaddr: '26011bda', fcnt32: 7, fport: 2, payload: Buffer.from('09c47803', 'hex'), nwkskey: V.nwkskey, appskey: V.appskey });
  const r = d.decode(reading(phy), true);
  assert.equal(r?.fmt, 'ts013-example');
  assert.equal(r?.fields?.temperature, 25);
  assert.equal(r?.fields?.status_mode, 'eco');
});

test('an unusable codec file is refused at construction with a clear error', () => {
  assert.throws(
    () => new LoraFrameDecoder(cfg({}, '/nonexistent/codec.js'), { logger: pino({ level: 'silent' }) }),
    (e: Error) => e.name === 'CodecLoadError' && /cannot read file/.test(e.message),
  );
});

test('downlinks verify with the downlink B0 and are not run through the uplink codec', () => {
  const d = new LoraFrameDecoder(cfg(), { logger: pino({ level: 'silent' }) });
  const r = d.decode(reading(Buffer.from(V.frames[3].phy, 'hex')), true);
  assert.equal(r?.authenticated, true);
  assert.equal(r?.lorawan?.mtype, 'UnconfirmedDataDown');
  assert.equal(r?.lorawan?.ack, true);
  assert.equal(r?.fields, undefined);
});

test('a codec whose worker is being replaced: the reading stays authenticated, counted codec_restarting', () => {
  const d = new LoraFrameDecoder(
    { devices: [{ devaddr: '26011bdc', nwkskey: NWK, appskey: APP, codec: fixture('loop.js'), name: undefined }], drop_mic_failures: false, codec_timeout_ms: 30 } as Config['lorawan'],
    { logger: pino({ level: 'silent' }) },
  );
  try {
    const mk = (fcnt32: number): Buffer => buildDataFrame({ devaddr: '26011bdc', fcnt32, fport: 2, payload: Buffer.from([1]), nwkskey: V.nwkskey, appskey: V.appskey });
    assert.equal(d.decode(reading(mk(1)), true)?.authenticated, true);
    assert.equal(d.counters.codec_timeout, 1);
    const r = d.decode(reading(mk(2)), true);
    assert.equal(r?.authenticated, true);
    assert.equal(r?.fields, undefined);
    assert.equal(d.counters.codec_restarting, 1, 'the replacement worker cannot be up yet');
    assert.equal(d.counters.codec_timeout, 1);
    assert.equal(d.counters.codec_error, 0);
  } finally {
    d.close();
  }
});
