import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, Pause } from '../../../src/sinks/nats/backoff';
import { streamProblem } from '../../../src/sinks/nats/stream';
import { msgIdFor, streamData, subjectCovers, subjectFor } from '../../../src/sinks/nats/subject';
import { PublishWindow } from '../../../src/sinks/nats/window';
import { message } from '../../spool/helpers';

test('subject: <prefix>.<gw>.<radio>.<dev>; gateway events under sys; unsafe characters stay inside one token', () => {
  assert.equal(subjectFor('lowband', 'pi-garden', Buffer.from('lora/49be7df1')), 'lowband.pi-garden.lora.49be7df1');
  assert.equal(subjectFor('fleet.eu', 'gw1', 'sys/online'), 'fleet.eu.gw1.sys.online');
  assert.equal(subjectFor('lowband', 'gw1', 'lora/my.dev *>x'), 'lowband.gw1.lora.my_dev___x');
  assert.equal(subjectFor('lowband', 'gw1', 'nodevice'), undefined);
  assert.equal(subjectFor('lowband', 'gw1', 'lora/'), undefined);
});

test('Nats-Msg-Id is the 16-byte key as 32 lowercase hex; data is header then body', () => {
  const e = message(7n);
  const id = msgIdFor(e.frames[1]);
  assert.equal(id, e.frames[1].subarray(20, 36).toString('hex'));
  assert.match(id, /^[0-9a-f]{32}$/);
  const d = streamData(e.frames[1], e.frames[2]);
  assert.equal(d.length, 36 + e.frames[2].length);
  assert.deepEqual(d.subarray(36), e.frames[2]);
});

test('subjectCovers follows NATS wildcards', () => {
  assert.ok(subjectCovers('lowband.>', 'lowband.gw.>'));
  assert.ok(subjectCovers('lowband.*.>', 'lowband.gw.>'));
  assert.ok(subjectCovers('>', 'lowband.gw.>'));
  assert.ok(subjectCovers('lowband.gw.>', 'lowband.gw.>'));
  assert.ok(!subjectCovers('lowband.gw.*', 'lowband.gw.>'), '* takes one token, we publish two');
  assert.ok(!subjectCovers('lowband.other.>', 'lowband.gw.>'));
  assert.ok(!subjectCovers('lowband', 'lowband.gw.>'));
  assert.ok(!subjectCovers('lowband.gw.lora.>', 'lowband.gw.>'), 'sys events would be missed');
});

test('streamProblem names settings that cannot carry our readings', () => {
  const want = { name: 'S', prefix: 'lowband', ours: 'lowband.gw.>', duplicateWindowS: 120, replicas: 1 };
  assert.equal(streamProblem({ subjects: ['lowband.>'], duplicate_window: 120e9 }, want), undefined);
  assert.match(streamProblem({ subjects: ['x.>'], duplicate_window: 120e9 }, want)!, /do not cover lowband\.gw\.>/);
  assert.match(streamProblem({ subjects: ['lowband.>'], duplicate_window: 0 }, want)!, /duplicate window of 0/);
  assert.match(streamProblem({ subjects: ['lowband.>'], duplicate_window: 120e9, no_ack: true }, want)!, /no_ack/);
  assert.match(streamProblem({ subjects: ['lowband.>'], duplicate_window: 120e9, sealed: true }, want)!, /sealed/);
});

test('window: acks in any order commit only the contiguous prefix; resends are queued once', () => {
  const w = new PublishWindow();
  const slots = [1n, 2n, 3n, 4n].map((s) => w.add(message(s)));
  assert.equal(w.ack(slots[2]), undefined, 'seq 3 acked first: nothing safe yet');
  assert.equal(w.ack(slots[0]), 1n);
  assert.equal(w.ack(slots[1]), 3n, '2 closes the gap up to 3');
  assert.equal(w.size, 1);
  assert.equal(w.ack(slots[1]), undefined, 'a second ack changes nothing');
  w.resend(slots[3]);
  w.resendAll();
  assert.equal(w.queued, 1);
  assert.equal(w.nextResend(), slots[3]);
  assert.equal(w.nextResend(), undefined);
  assert.equal(w.ack(slots[3]), 4n);
  assert.equal(w.pending, 0);
});

test('backoff doubles up to its bound with jitter in [d/2, d], and resets', () => {
  let r = 0;
  const b = new Backoff(100, 1000, () => r);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [50, 100, 200, 400, 500]);
  r = 1;
  assert.equal(b.next(), 1000);
  b.reset();
  assert.equal(b.next(), 100);
});

test('Pause: the failures of one round step the backoff once; a success starts it over', async () => {
  const waits: number[] = [];
  const backoff = new Backoff(100, 10_000, () => 1);
  const next = backoff.next.bind(backoff);
  backoff.next = () => {
    const w = next();
    waits.push(w);
    return w;
  };
  let ended = 0;
  const pause = new Pause(backoff, () => ended++);
  for (let i = 0; i < 1000; i++) pause.begin();
  assert.ok(pause.active);
  assert.deepEqual(waits, [100], 'one step for the whole round');
  pause.cancel();
  assert.ok(!pause.active);
  pause.begin();
  assert.deepEqual(waits, [100, 200], 'the next round waits twice as long');
  pause.cancel();
  pause.succeeded();
  pause.begin();
  assert.deepEqual(waits, [100, 200, 100], 'after a success it starts over');
  pause.cancel();
  assert.equal(ended, 0, 'a cancelled pause does not end by its timer');
});
