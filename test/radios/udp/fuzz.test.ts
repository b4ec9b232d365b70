import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import pino from 'pino';
import type { Reading } from '../../../src/core/reading';
import { SemtechUdpAdapter } from '../../../src/radios/udp/adapter';
import { parseDatagram, readPush } from '../../../src/radios/udp/semtech';
import { prng, randomBytes } from '../lora/lorawan/frames';

const VALID = Buffer.concat([
  Buffer.from('020001000102030405060708', 'hex'),
  Buffer.from('{"rxpk":[{"tmst":1234,"chan":2,"rfch":0,"freq":868.1,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","rssi":-35,"lsnr":5.1,"size":3,"data":"AQID"}],"stat":{"rxnb":1}}'),
]);

/** Random datagrams: pure noise, valid headers with noise, and byte-mutated valid PUSH_DATA. */
function datagram(rand: () => number, i: number): Buffer {
  const kind = i % 3;
  if (kind === 0) return randomBytes(rand, Math.floor(rand() * 300));
  if (kind === 1) {
    const header = Buffer.from([1 + Math.floor(rand() * 2), 0xab, 0xcd, [0, 2, 5][Math.floor(rand() * 3)]]);
    return Buffer.concat([header, randomBytes(rand, Math.floor(rand() * 200))]);
  }
  const b = Buffer.from(VALID);
  const flips = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
  return b;
}

test('fuzz: 10000 random datagrams through the pure parser never throw', () => {
  const rand = prng(0x5e37);
  let ok = 0;
  let failed = 0;
  for (let i = 0; i < 10_000; i++) {
    const p = parseDatagram(datagram(rand, i));
    if (p.ok) {
      ok++;
      if (p.datagram.type === 'PUSH_DATA') readPush(p.datagram.json);
    } else {
      failed++;
      assert.ok(p.error.cause.length > 0);
    }
  }
  assert.ok(ok > 100 && failed > 1000, `ok ${ok} failed ${failed}`);
  // Random JSON shapes in rxpk entries.
  const shapes = [null, 1, 'x', [], {}, { data: null }, { freq: Infinity, datr: 'SF7BW125', data: 'AQID' }, { freq: -1, datr: 'SF7BW125', data: '' }];
  for (const s of shapes) assert.doesNotThrow(() => readPush({ rxpk: [s], stat: s }));
});

test('fuzz: 1500 random datagrams sent to a live adapter: no crash, counters rise, still serving', async () => {
  const adapter = new SemtechUdpAdapter({ name: 'udp0', bind: '127.0.0.1:0', forward_crc_errors: false }, { logger: pino({ level: 'silent' }) });
  const readings: Reading[] = [];
  await adapter.start((r) => readings.push(r));
  const port = adapter.address()!.port;
  const client = dgram.createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  const acked: Buffer[] = [];
  client.on('message', (m) => acked.push(m));
  try {
    const rand = prng(99);
    const N = 1500;
    for (let i = 0; i < N; i++) {
      await new Promise<void>((res, rej) => client.send(datagram(rand, i), port, '127.0.0.1', (e) => (e ? rej(e) : res())));
      // Let the adapter catch up every 50 datagrams so the kernel's socket buffer never overflows.
      if (i % 50 === 49) {
        const end = Date.now() + 10_000;
        while (adapter.status().counters.datagrams < i + 1 && Date.now() < end) await new Promise((r) => setImmediate(r));
      }
    }
    const marker = Buffer.from(VALID);
    marker[1] = 0x77;
    marker[2] = 0x66;
    await new Promise<void>((res) => client.send(marker, port, '127.0.0.1', () => res()));
    const end = Date.now() + 10_000;
    while (!acked.some((a) => a.toString('hex') === '02776601')) {
      if (Date.now() > end) throw new Error('no ack for the marker ' + JSON.stringify(adapter.status().counters) + ' acks ' + acked.length);
      await new Promise((r) => setImmediate(r));
    }
    const s = adapter.status();
    assert.equal(s.state, 'running');
    assert.equal(s.counters.datagrams, N + 1);
    assert.ok(s.counters.malformed > 100);
    assert.ok(readings.length >= 1);
    assert.ok(readings.every((r) => Buffer.isBuffer(r.raw) && Number.isInteger(r.freq)));
  } finally {
    client.close();
    await adapter.stop();
  }
});
