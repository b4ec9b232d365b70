import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAck, MAX_DATAGRAM, parseDatagram, parseRxpk, PULL_ACK, PUSH_ACK, readPush } from '../../../src/radios/udp/semtech';

// Lora-net packet_forwarder PROTOCOL.TXT examples / chirpstack-mqtt-forwarder test values.
const PULL_DATA = '020001020102030405060708';
const PUSH_HEADER = '020001000102030405060708';
const PUSH_JSON =
  '{"rxpk":[{"time":"2022-09-10T12:30:15Z","tmst":1234,"chan":2,"rfch":0,"freq":868.1,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","rssi":-35,"lsnr":5.1,"size":3,"data":"AQID"}]}';

const push = (json: string, header = PUSH_HEADER): Buffer => Buffer.concat([Buffer.from(header, 'hex'), Buffer.from(json)]);

test('PUSH_DATA vector: header, gateway EUI and the rxpk packet', () => {
  const p = parseDatagram(push(PUSH_JSON));
  assert.ok(p.ok);
  const d = p.datagram;
  assert.equal(d.type, 'PUSH_DATA');
  assert.equal(d.version, 2);
  assert.equal(d.token.toString('hex'), '0001');
  assert.equal(d.gatewayEui, '0102030405060708');
  assert.equal(buildAck(d, PUSH_ACK).toString('hex'), '02000101');
  assert.ok(d.type === 'PUSH_DATA');
  const c = readPush(d.json);
  assert.deepEqual(c.errors, []);
  assert.equal(c.packets.length, 1);
  const pk = c.packets[0];
  assert.equal(pk.raw.toString('hex'), '010203');
  assert.equal(pk.freq, 868100000);
  assert.equal(pk.dr, 'SF7BW125');
  assert.equal(pk.rssi, -35);
  assert.equal(pk.snr, 5.1);
  assert.equal(pk.stat, 1);
  assert.equal(pk.tmst, 1234);
  assert.equal(pk.time, '2022-09-10T12:30:15Z');
  assert.equal(pk.chan, 2);
  assert.equal(pk.rfch, 0);
});

test('PULL_DATA vector → PULL_ACK with the token echoed verbatim (also version 1, odd tokens)', () => {
  const p = parseDatagram(Buffer.from(PULL_DATA, 'hex'));
  assert.ok(p.ok);
  assert.equal(p.datagram.type, 'PULL_DATA');
  assert.equal(buildAck(p.datagram, PULL_ACK).toString('hex'), '02000104');
  const v1 = parseDatagram(Buffer.from('01beef02aabbccddeeff0011', 'hex'));
  assert.ok(v1.ok);
  assert.equal(buildAck(v1.datagram, PULL_ACK).toString('hex'), '01beef04');
});

test('frequencies convert to integer Hz without float residue', () => {
  for (const [mhz, hz] of [[868.1, 868100000], [868.3, 868300000], [867.9, 867900000], [902.3, 902300000], [923.2, 923200000], [433.175, 433175000], [868.525, 868525000]]) {
    const r = parseRxpk({ freq: mhz, datr: 'SF12BW125', data: 'AQID' });
    assert.ok(r.ok);
    assert.equal(r.packet.freq, hz);
    assert.ok(Number.isInteger(r.packet.freq));
  }
});

test('rsig[0] (protocol v2 multi-antenna) supplies RSSI/SNR; FSK datr becomes FSKnnn; stat values kept', () => {
  const r = parseRxpk({ freq: 868.8, datr: 50000, modu: 'FSK', data: 'AQID', stat: -1, rsig: [{ ant: 0, chan: 7, rssic: -70, lsnr: -2.5 }] });
  assert.ok(r.ok);
  assert.equal(r.packet.rssi, -70);
  assert.equal(r.packet.snr, -2.5);
  assert.equal(r.packet.dr, 'FSK50000');
  assert.equal(r.packet.stat, -1);
  const nocrc = parseRxpk({ freq: 868.1, datr: 'SF7BW125', data: '', stat: 0 });
  assert.ok(nocrc.ok);
  assert.equal(nocrc.packet.stat, 0);
  assert.equal(nocrc.packet.raw.length, 0);
});

test('stat object becomes a sanitised gateway stat report', () => {
  const c = readPush({ stat: { time: '2014-01-12 08:59:28 GMT', lati: 46.24, long: 3.2523, alti: 145, rxnb: 2, rxok: 2, rwfw: 2, ackr: 100.0, dwnb: 2, txnb: 2, junk: { a: 1 } } });
  assert.deepEqual(c.stat, { time: '2014-01-12 08:59:28 GMT', lati: 46.24, long: 3.2523, alti: 145, rxnb: 2, rxok: 2, rwfw: 2, ackr: 100, dwnb: 2, txnb: 2 });
  assert.equal(c.packets.length, 0);
});

test('malformed datagrams give typed errors with a cause', () => {
  const cases: Array<[Buffer, string]> = [
    [Buffer.alloc(0), 'truncated'],
    [Buffer.from('0200', 'hex'), 'truncated'],
    [Buffer.from('03000100', 'hex'), 'bad_version'],
    [Buffer.from('00000100' + '00'.repeat(8), 'hex'), 'bad_version'],
    [Buffer.from('02000101', 'hex'), 'unexpected_type'],
    [Buffer.from('02000104', 'hex'), 'unexpected_type'],
    [Buffer.from('0200010001020304', 'hex'), 'truncated'],
    [push('{"rxpk":['), 'bad_json'],
    [push('[1,2]'), 'bad_json'],
    [push(''), 'bad_json'],
    [Buffer.alloc(MAX_DATAGRAM + 1, 2), 'oversize'],
  ];
  for (const [buf, cause] of cases) {
    const p = parseDatagram(buf);
    assert.equal(p.ok, false, buf.subarray(0, 16).toString('hex'));
    if (!p.ok) {
      assert.equal(p.error.cause, cause);
      assert.ok(p.error.detail.length > 0);
    }
  }
  const badJson = parseDatagram(push('not json'));
  assert.ok(!badJson.ok && badJson.header?.type === 'PUSH_DATA', 'header kept so the datagram can still be acked');
});

test('bad rxpk entries give typed errors; good entries in the same datagram survive', () => {
  const c = readPush({
    rxpk: [
      { freq: 868.1, datr: 'SF7BW125', data: 'AQID' },
      { freq: 868.1, datr: 'SF7BW125', data: 'A$ID' },
      { freq: 868.1, datr: 'SF7BW125', data: 'AQID', size: 5 },
      { freq: '868.1', datr: 'SF7BW125', data: 'AQID' },
      { freq: 868.1, datr: 'SF99BW1', data: 'AQID' },
      { freq: 868.1, datr: 'SF7BW125', data: 42 },
      { freq: 868.1, datr: 'SF7BW125', data: 'AQID', stat: 7 },
      'nope',
      null,
    ],
  });
  assert.equal(c.packets.length, 1);
  assert.deepEqual(c.errors.map((e) => e.cause), ['bad_base64', 'size_mismatch', 'bad_field', 'bad_field', 'bad_field', 'bad_field', 'bad_field', 'bad_field']);
  assert.deepEqual(readPush({ rxpk: 'x' }).errors.map((e) => e.cause), ['bad_field']);
});

test('TX_ACK with and without JSON', () => {
  const bare = parseDatagram(Buffer.from('02abcd050102030405060708', 'hex'));
  assert.ok(bare.ok && bare.datagram.type === 'TX_ACK' && bare.datagram.json === undefined);
  const withJson = parseDatagram(Buffer.concat([Buffer.from('02abcd050102030405060708', 'hex'), Buffer.from('{"txpk_ack":{"error":"TOO_LATE"}}')]));
  assert.ok(withJson.ok && withJson.datagram.type === 'TX_ACK');
  assert.deepEqual(withJson.datagram.json, { txpk_ack: { error: 'TOO_LATE' } });
});
