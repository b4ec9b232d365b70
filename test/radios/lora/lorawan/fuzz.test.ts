import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Config } from '../../../../src/config/schema';
import { decodeLoraLine, parseDevaddrKeys } from '../../../../src/radios/lora/lorawan/decode-line';
import { LoraFrameDecoder } from '../../../../src/radios/lora/lorawan/decoder';
import { SEARCHES_PER_SECOND } from '../../../../src/radios/lora/lorawan/fcnt';
import { parsePhyPayload } from '../../../../src/radios/lora/lorawan/phy';
import { V, buildDataFrame, prng, randomBytes } from './frames';

const NWK = V.nwkskey.toString('hex');
const APP = V.appskey.toString('hex');

test('fuzz: 5000 random PHYPayloads (0..300 bytes) never throw in the parser, decoder or CLI line decoder', () => {
  const rand = prng(0x10a4);
  const d = new LoraFrameDecoder(
    {
      devices: [
        { devaddr: '49be7df1', nwkskey: NWK, appskey: APP, codec: 'cayenne', name: undefined },
        { devaddr: '26011bda', nwkskey: NWK, appskey: APP, codec: 'raw', name: undefined },
      ],
      drop_mic_failures: false, codec_timeout_ms: 50,
    } as Config['lorawan'],
    { logger: pino({ level: 'silent' }) },
  );
  const keys = parseDevaddrKeys(`49be7df1:${NWK}:${APP}`);
  const start = Date.now();
  let parsedOk = 0;
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(rand() * 301);
    const raw = randomBytes(rand, len);
    // Steer a share of them at configured DevAddrs so MIC checks and codecs run too.
    if (len >= 5 && i % 3 === 0) {
      raw[0] = [0x40, 0x80, 0x60, 0x00][i % 4];
      Buffer.from(i % 2 ? 'f17dbe49' : 'da1b0126', 'hex').copy(raw, 1);
    }
    const p = parsePhyPayload(raw);
    if (p.ok) parsedOk++;
    else assert.ok(p.error.code && p.error.message);
    const r = d.decode({ radio: 'lora', device: 'raw', src: 'udp0', raw, timeUs: 1 }, i % 2 === 0);
    if (r) assert.equal(typeof r.device, 'string');
    const line = decodeLoraLine(raw.toString('hex'), keys);
    assert.equal(typeof line, 'object');
  }
  assert.ok(parsedOk > 100, `some random frames parse (${parsedOk})`);
  assert.ok(d.counters.malformed > 0);
  assert.ok(d.counters.mic_failed > 0);
  assert.ok(d.counters.unknown_device > 0);
  assert.ok(d.counters.raw > 0);
  // Junk must not turn into 65k-CMAC searches: they stay within the tracker's rate limit (a
  // bound on work that holds on a loaded machine, unlike a wall-clock limit).
  const windows = Math.ceil((Date.now() - start) / 1000) + 1;
  assert.ok(d.counters.fcnt_search <= SEARCHES_PER_SECOND * windows, `${d.counters.fcnt_search} searches in ${windows} s windows`);
});

test('fuzz: bit flips of valid frames are caught by the MIC (never authenticated)', () => {
  const rand = prng(7);
  const d = new LoraFrameDecoder(
    { devices: [{ devaddr: '26011bda', nwkskey: NWK, appskey: APP, codec: 'cayenne', name: undefined }], drop_mic_failures: false, codec_timeout_ms: 50 } as Config['lorawan'],
    { logger: pino({ level: 'silent' }) },
  );
  let authenticated = 0;
  for (let i = 0; i < 500; i++) {
    const phy = buildDataFrame({ devaddr: '26011bda', fcnt32: i, fport: 2, payload: Buffer.from('0167ffd7', 'hex'), nwkskey: V.nwkskey, appskey: V.appskey });
    const ok = d.decode({ radio: 'lora', device: 'raw', src: 'udp0', raw: phy, timeUs: 1 }, true);
    assert.equal(ok?.authenticated, true);
    const bad = Buffer.from(phy);
    const bit = Math.floor(rand() * (bad.length - 5) * 8) + 40; // past MHDR+DevAddr, so it still names the device
    bad[bit >> 3] ^= 1 << (bit & 7);
    const r = d.decode({ radio: 'lora', device: 'raw', src: 'udp0', raw: bad, timeUs: 1 }, true);
    if (r?.authenticated) authenticated++;
  }
  assert.equal(authenticated, 0);
  assert.ok(d.counters.mic_failed + d.counters.malformed >= 500);
});
