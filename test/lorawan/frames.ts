import { cryptFrmPayload, dataMic } from '../../src/radios/lora/lorawan/crypto';
import { parsePhyPayload, type DataFrame } from '../../src/radios/lora/lorawan/phy';

/** Public vectors (lora-packet tests, LoRaWAN 1.0.x), copied as facts. */
export const V = {
  nwkskey: Buffer.from('44024241ed4ce9a68c6a8bc055233fd3', 'hex'),
  appskey: Buffer.from('ec925802ae430ca77fd3dd73cb2cc588', 'hex'),
  frames: [
    { phy: '40F17DBE4900020001954378762B11FF0D', mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 2, fport: 1, plaintext: '74657374', mic: '2b11ff0d' },
    { phy: '40F17DBE49000300012A3518AF', mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 3, fport: 1, plaintext: '', mic: '2a3518af' },
    {
      phy: '40f17dbe490004000155332de41a11adc072553544429ce7787707d1c316e027e7e5e334263376affb8aa17ad30075293f28dea8a20af3c5e7',
      mtype: 'UnconfirmedDataUp', devaddr: '49be7df1', fcnt: 4, fport: 1,
      plaintext: Buffer.from('The quick brown fox jumps over the lazy dog.').toString('hex'), mic: '0af3c5e7',
    },
    { phy: '60f17dbe4920020001f9d65d27', mtype: 'UnconfirmedDataDown', devaddr: '49be7df1', fcnt: 2, fport: 1, plaintext: '', mic: 'f9d65d27' },
  ],
  join: { phy: '0039363463336913AA05693574323831330489C65B1304', appkey: Buffer.from('98929b92c49edba9676d646d3b612456', 'hex'), mic: 'c65b1304' },
  wrongAppskey: Buffer.from('ec925802ae430ca77fd3dd73cb2cc580', 'hex'),
  wrongAppskeyPlain: '5999fc3f',
};

/** Builds a valid (encrypted, MIC'd) data frame for tests, with a full 32-bit FCnt. */
export function buildDataFrame(o: {
  devaddr: string; fcnt32: number; fport?: number; payload?: Buffer; nwkskey: Buffer; appskey: Buffer;
  mhdr?: number; fctrl?: number; fopts?: Buffer;
}): Buffer {
  const fopts = o.fopts ?? Buffer.alloc(0);
  const head = Buffer.alloc(8);
  head[0] = o.mhdr ?? 0x40;
  Buffer.from(o.devaddr, 'hex').reverse().copy(head, 1);
  head[5] = ((o.fctrl ?? 0) & 0xf0) | fopts.length;
  head.writeUInt16LE(o.fcnt32 & 0xffff, 6);
  const payload = o.payload ?? Buffer.alloc(0);
  const portPart = o.fport === undefined ? Buffer.alloc(0) : Buffer.from([o.fport]);
  const draft = Buffer.concat([head, fopts, portPart, payload, Buffer.alloc(4)]);
  const p1 = parsePhyPayload(draft);
  if (!p1.ok) throw new Error(p1.error.message);
  const key = o.fport === 0 ? o.nwkskey : o.appskey;
  const enc = o.fport === undefined ? Buffer.alloc(0) : cryptFrmPayload(key, p1.frame as DataFrame, o.fcnt32, payload);
  const body = Buffer.concat([head, fopts, portPart, enc]);
  const p2 = parsePhyPayload(Buffer.concat([body, Buffer.alloc(4)]));
  if (!p2.ok) throw new Error(p2.error.message);
  return Buffer.concat([body, dataMic(o.nwkskey, p2.frame as DataFrame, o.fcnt32)]);
}

/** Deterministic PRNG (mulberry32) so fuzz failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random bytes from a PRNG. */
export function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}
