import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import pino from 'pino';
import type { Reading } from '../../../src/core/reading';
import { parseBind, SemtechUdpAdapter, STATUS_FORWARDERS } from '../../../src/radios/udp/adapter';

const PUSH_HEADER = '020001000102030405060708';
const PUSH_JSON =
  '{"rxpk":[{"time":"2022-09-10T12:30:15Z","tmst":1234,"chan":2,"rfch":0,"freq":868.1,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","rssi":-35,"lsnr":5.1,"size":3,"data":"AQID"}]}';
const push = (json: string, header = PUSH_HEADER): Buffer => Buffer.concat([Buffer.from(header, 'hex'), Buffer.from(json)]);

/** Resolves when `cond` holds, checking after every event-loop turn; rejects after `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

async function harness(forwardCrc = false): Promise<{
  adapter: SemtechUdpAdapter; readings: Reading[]; client: dgram.Socket; port: number;
  send: (b: Buffer) => Promise<void>; ack: () => Promise<Buffer>; close: () => Promise<void>;
}> {
  const adapter = new SemtechUdpAdapter({ name: 'udp0', bind: '127.0.0.1:0', forward_crc_errors: forwardCrc }, { logger: pino({ level: 'silent' }) });
  const readings: Reading[] = [];
  await adapter.start((r) => readings.push(r));
  const addr = adapter.address();
  assert.ok(addr);
  assert.notEqual(addr.port, 0);
  const client = dgram.createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  const acks: Buffer[] = [];
  const waiters: Array<(b: Buffer) => void> = [];
  client.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else acks.push(m);
  });
  return {
    adapter, readings, client, port: addr.port,
    send: (b) => new Promise((res, rej) => client.send(b, addr.port, '127.0.0.1', (e) => (e ? rej(e) : res()))),
    ack: () => {
      const queued = acks.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise<Buffer>((res, rej) => {
        const t = setTimeout(() => rej(new Error('no ack within 5 s')), 5000);
        waiters.push((b) => { clearTimeout(t); res(b); });
      });
    },
    close: async () => {
      client.close();
      await adapter.stop();
    },
  };
}

test('PUSH_DATA from a real UDP client: PUSH_ACK echoes the token, one reading with the vector values', async () => {
  const h = await harness();
  try {
    await h.send(push(PUSH_JSON));
    const ack = await h.ack();
    assert.equal(ack.toString('hex'), '02000101');
    await until(() => h.readings.length === 1);
    const r = h.readings[0];
    assert.equal(r.radio, 'lora');
    assert.equal(r.src, 'udp0');
    assert.equal(r.device, 'raw');
    assert.equal(r.raw.toString('hex'), '010203');
    assert.equal(r.freq, 868100000);
    assert.equal(r.dr, 'SF7BW125');
    assert.equal(r.rssi, -35);
    assert.equal(r.snr, 5.1);
    assert.ok(Math.abs(r.timeUs - Date.now() * 1000) < 60_000_000);
    const s = h.adapter.status();
    assert.equal(s.kind, 'semtech-udp');
    assert.equal(s.state, 'running');
    assert.equal(s.received, 1);
    assert.equal(s.forwarders[0].gatewayEui, '0102030405060708');
    assert.equal(s.forwarders[0].pushData, 1);
    assert.ok(s.lastHeardUs);
  } finally {
    await h.close();
  }
});

test('a burst from two forwarders: every ack reaches its own sender with its own token, in order', async () => {
  const h = await harness();
  const other = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => other.bind(0, '127.0.0.1', () => r()));
    const otherAcks: Buffer[] = [];
    other.on('message', (m) => otherAcks.push(m));
    const n = 40;
    const tokenHeader = (i: number, eui: string) => `02${i.toString(16).padStart(4, '0')}00${eui}`;
    // Written back to back, so the adapter reads many of them in one event-loop turn.
    await Promise.all(Array.from({ length: n }, (_, i) => [
      h.send(push(PUSH_JSON, tokenHeader(i, '0102030405060708'))),
      new Promise<void>((res, rej) => other.send(push(PUSH_JSON, tokenHeader(0x8000 + i, '1112131415161718')), h.port, '127.0.0.1', (e) => (e ? rej(e) : res()))),
    ]).flat());
    const mine: string[] = [];
    for (let i = 0; i < n; i++) mine.push((await h.ack()).toString('hex'));
    assert.deepEqual(mine, Array.from({ length: n }, (_, i) => `02${i.toString(16).padStart(4, '0')}01`));
    await until(() => otherAcks.length === n);
    assert.deepEqual(otherAcks.map((b) => b.toString('hex')), Array.from({ length: n }, (_, i) => `02${(0x8000 + i).toString(16)}01`));
    assert.equal(h.readings.length, 2 * n);
    assert.equal(h.adapter.status().counters.ack_send_error, 0);
  } finally {
    other.close();
    await h.close();
  }
});

test('a stop in the same turn as a datagram still sends its ack (the reading was passed on)', async () => {
  const adapter = new SemtechUdpAdapter({ name: 'udp0', bind: '127.0.0.1:0', forward_crc_errors: false }, { logger: pino({ level: 'silent' }) });
  const readings: Reading[] = [];
  // The stop comes from inside the turn that read the datagram, after its ack was queued.
  await adapter.start((r) => {
    readings.push(r);
    void adapter.stop();
  });
  const port = adapter.address()!.port;
  const client = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const ack = new Promise<Buffer>((res, rej) => {
      const t = setTimeout(() => rej(new Error('no ack within 5 s')), 5000);
      client.once('message', (m) => { clearTimeout(t); res(m); });
    });
    client.send(push(PUSH_JSON), port, '127.0.0.1');
    assert.equal((await ack).toString('hex'), '02000101');
    assert.equal(readings.length, 1);
  } finally {
    client.close();
    await adapter.stop();
  }
});

test('PULL_DATA → PULL_ACK with the token echoed; per-forwarder last-seen recorded', async () => {
  const h = await harness();
  try {
    await h.send(Buffer.from('020001020102030405060708', 'hex'));
    assert.equal((await h.ack()).toString('hex'), '02000104');
    await h.send(Buffer.from('01fe7702aabbccddeeff0011', 'hex'));
    assert.equal((await h.ack()).toString('hex'), '01fe7704');
    const f = h.adapter.status().forwarders.map((x) => x.gatewayEui).sort();
    assert.deepEqual(f, ['0102030405060708', 'aabbccddeeff0011']);
    assert.equal(h.adapter.status().counters.pull_data, 2);
    assert.equal(h.readings.length, 0);
  } finally {
    await h.close();
  }
});

test('CRC-failed packets are dropped and counted unless forward_crc_errors; stat goes to onStat', async () => {
  const json = JSON.stringify({
    rxpk: [
      { freq: 868.1, datr: 'SF7BW125', stat: -1, data: 'AQID' },
      { freq: 868.3, datr: 'SF9BW125', stat: 1, data: 'BAUG', rssi: -90, lsnr: -3 },
    ],
    stat: { rxnb: 2, rxok: 1, ackr: 100 },
  });
  const h = await harness(false);
  const stats: Array<[string, object]> = [];
  h.adapter.onStat = (eui, s) => stats.push([eui, s]);
  try {
    await h.send(push(json));
    await h.ack();
    await until(() => h.readings.length === 1 && stats.length === 1);
    assert.equal(h.readings[0].raw.toString('hex'), '040506');
    assert.equal(h.adapter.status().drops.crc, 1);
    assert.equal(h.adapter.status().counters.crc_error, 1);
    assert.deepEqual(stats[0], ['0102030405060708', { rxnb: 2, rxok: 1, ackr: 100 }]);
  } finally {
    await h.close();
  }
  const f = await harness(true);
  try {
    await f.send(push(json));
    await f.ack();
    await until(() => f.readings.length === 2);
    assert.equal(f.adapter.status().counters.crc_forwarded, 1);
    assert.equal(f.adapter.status().drops.crc, undefined);
  } finally {
    await f.close();
  }
});

test('malformed datagrams are counted, never crash; bad JSON in a PUSH_DATA is still acked', async () => {
  const h = await harness();
  h.adapter.onStat = () => {
    throw new Error('handler bug');
  };
  try {
    await h.send(Buffer.from('ff', 'hex'));
    await h.send(Buffer.from('09000100', 'hex'));
    await h.send(push('{"rxpk":[{"freq":"x"}]}'));
    await h.ack();
    await h.send(push('{not json'));
    assert.equal((await h.ack()).toString('hex'), '02000101');
    await h.send(push('{"stat":{"rxnb":1}}'));
    await h.ack();
    await until(() => h.adapter.status().counters.datagrams === 5);
    const s = h.adapter.status();
    assert.equal(s.counters.malformed, 4);
    assert.equal(s.drops.malformed, 4);
    assert.equal(s.counters.stat, 1);
    assert.equal(s.state, 'running');
    // Still alive and serving.
    await h.send(push(PUSH_JSON));
    await h.ack();
    await until(() => h.readings.length === 1);
  } finally {
    await h.close();
  }
});

test('a throwing reading sink is contained and counted', async () => {
  const adapter = new SemtechUdpAdapter({ name: 'udp1', bind: '127.0.0.1:0', forward_crc_errors: false }, { logger: pino({ level: 'silent' }) });
  await adapter.start(() => {
    throw new Error('pipeline bug');
  });
  const client = dgram.createSocket('udp4');
  try {
    client.send(push(PUSH_JSON), adapter.address()!.port, '127.0.0.1');
    await once(client, 'message');
    await until(() => adapter.status().drops.sink_error === 1);
  } finally {
    client.close();
    await adapter.stop();
  }
});

test('bind errors reject start with a clear message; parseBind handles host:port and [v6]:port', async () => {
  assert.deepEqual(parseBind('0.0.0.0:1700'), { host: '0.0.0.0', port: 1700 });
  assert.deepEqual(parseBind('[::1]:1700'), { host: '::1', port: 1700 });
  assert.equal(parseBind('nohost'), undefined);
  assert.equal(parseBind('1.2.3.4:99999'), undefined);
  const a = new SemtechUdpAdapter({ name: 'udp2', bind: '127.0.0.1:0', forward_crc_errors: false }, { logger: pino({ level: 'silent' }) });
  await a.start(() => undefined);
  const taken = a.address()!.port;
  const b = new SemtechUdpAdapter({ name: 'udp3', bind: `127.0.0.1:${taken}`, forward_crc_errors: false }, { logger: pino({ level: 'silent' }) });
  await assert.rejects(b.start(() => undefined), /udp3: cannot bind 127\.0\.0\.1:\d+/);
  assert.equal(b.status().state, 'stopped');
  await a.stop();
  await a.stop();
  assert.equal(a.status().state, 'stopped');
  assert.equal(a.address(), null);
});

test('status stays small under 2,048 random gateway EUIs: the busiest forwarders listed, the rest counted', async () => {
  const h = await harness();
  try {
    const pull = (eui: string) => Buffer.from(`0200010${2}${eui}`, 'hex');
    // A real forwarder, busy: it must stay listed, first.
    for (let i = 0; i < 5; i++) await h.send(pull('00000000000000aa'));
    await until(() => h.adapter.status().counters.datagrams === 5);
    const small = JSON.stringify(h.adapter.status()).length;
    let sent = 5;
    let real = 5;
    for (let i = 0; i < 2048; i++) {
      await h.send(pull(i.toString(16).padStart(8, '0') + 'deadbeef'));
      sent++;
      if (i % 64 === 63) {
        // The real forwarder keeps talking meanwhile; wait now and then so the kernel buffer never overflows.
        await h.send(pull('00000000000000aa'));
        sent++;
        real++;
        await until(() => h.adapter.status().counters.datagrams === sent);
      }
    }
    await until(() => h.adapter.status().counters.datagrams === sent);
    const s = h.adapter.status();
    assert.equal(s.forwarders.length, STATUS_FORWARDERS);
    assert.equal(s.forwarders[0]!.gatewayEui, '00000000000000aa');
    assert.equal(s.forwarders[0]!.recentDatagrams, real);
    // The per-EUI table is bounded (least recently heard forgotten): listed + omitted never exceeds it.
    const known = s.forwarders.length + s.forwardersOmitted;
    assert.ok(known < 2048 + 1, `${known} forwarders remembered`);
    assert.ok(s.forwardersOmitted > 0);
    const size = JSON.stringify(s).length;
    // One forwarder's entry costs what the first status showed beyond an empty list; 16 of them bound the reply.
    const perEntry = JSON.stringify(s.forwarders[0]).length + 1;
    assert.ok(size <= small + STATUS_FORWARDERS * perEntry, `status ${size} B with 2,049 EUIs (one forwarder: ${small} B)`);
  } finally {
    await h.close();
  }
});
