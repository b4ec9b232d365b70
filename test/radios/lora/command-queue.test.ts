import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_TIMING, CommandQueue, type QueuedCommand } from '../../../src/radios/lora/command-queue';
import type { DriverAction } from '../../../src/radios/lora/modem-driver';

const T = COMMAND_TIMING;
const INIT: QueuedCommand[] = [{ line: 'A' }, { line: 'B', timeoutMs: 5000 }, { line: 'ARM' }];
const PROBE: QueuedCommand = { line: 'ARM' };
const queue = () => new CommandQueue<QueuedCommand>(T, PROBE);

function run(f: (out: DriverAction[]) => unknown): DriverAction[] {
  const out: DriverAction[] = [];
  f(out);
  return out;
}

test('command-queue: begin reports initialising once and sends commands in order under their deadlines', () => {
  const q = queue();
  assert.deepEqual(run((o) => q.begin(INIT, o)), [
    { type: 'state', state: 'initialising' },
    { type: 'write', line: 'A' },
    { type: 'timer', ms: T.commandTimeoutMs },
  ]);
  assert.equal(q.phase, 'command');
  assert.deepEqual(run((o) => q.next(o)), [
    { type: 'write', line: 'B' },
    { type: 'timer', ms: 5000 },
  ]);
  assert.deepEqual(q.queued, [{ line: 'ARM' }]);
  // Still initialising: no repeated state action.
  assert.deepEqual(run((o) => q.begin(INIT, o))[0], { type: 'write', line: 'A' });
});

test('command-queue: armed clears the queue, reports receiving and keeps only the liveness deadline', () => {
  const q = queue();
  run((o) => q.begin(INIT, o));
  assert.deepEqual(run((o) => q.armed(o)), [
    { type: 'state', state: 'receiving' },
    { type: 'timer', ms: T.livenessMs },
  ]);
  assert.equal(q.phase, 'armed');
  assert.equal(q.current, undefined);
  assert.equal(q.state, 'receiving');
  assert.deepEqual(run((o) => q.heard(o)), [{ type: 'timer', ms: T.livenessMs }]);
});

test('command-queue: no packet for the liveness bound sends the probe; unanswered: deaf, re-init, then reopen', () => {
  const q = queue();
  run((o) => q.begin(INIT, o));
  run((o) => q.armed(o));
  const probe: DriverAction[] = [];
  assert.equal(q.expire(probe), false, 'a probe, not a re-init');
  assert.deepEqual(probe, [
    { type: 'write', line: 'ARM' },
    { type: 'timer', ms: T.commandTimeoutMs },
  ]);
  assert.equal(q.probing, true);
  const deaf: DriverAction[] = [];
  assert.equal(q.expire(deaf), true, 'probe unanswered: re-initialise now');
  assert.equal(deaf[0]?.type === 'state' && deaf[0].state, 'deaf');
  assert.equal(q.state, 'deaf');
  // Re-initialising does not hide the deafness behind "initialising".
  assert.deepEqual(run((o) => q.begin(INIT, o))[0], { type: 'write', line: 'A' });
  const reopen: DriverAction[] = [];
  assert.equal(q.expire(reopen), false, 're-init unanswered as well');
  assert.deepEqual(reopen.at(-1), { type: 'reopen', reason: 'modem silent: no answer to "A"' });
  assert.equal(reopen.find((a) => a.type === 'state')?.type === 'state' && (reopen.find((a) => a.type === 'state') as { state: string }).state, 'deaf');
  assert.equal(q.phase, 'idle');
  // Receive confirmed again: no longer deaf.
  q.clearFailures();
  run((o) => q.begin(INIT, o));
  assert.deepEqual(run((o) => q.armed(o))[0], { type: 'state', state: 'receiving' });
});

test('command-queue: noise while armed probes at once; noise during a command makes its timeout retry at once, never reopen', () => {
  const q = queue();
  run((o) => q.begin(INIT, o));
  run((o) => q.armed(o));
  assert.deepEqual(run((o) => q.noise(o)), [
    { type: 'write', line: 'ARM' },
    { type: 'timer', ms: T.commandTimeoutMs },
  ]);
  assert.deepEqual(run((o) => q.noise(o)), [{ type: 'timer', ms: T.noiseGraceMs }], 'one probe at a time; its wait cut short');
  for (let i = 0; i < 5; i++) {
    run((o) => q.noise(o));
    const out: DriverAction[] = [];
    assert.equal(q.expire(out), true, 'noisy timeout: re-initialise at once');
    assert.match((out[0] as { detail: string }).detail, /line noise/);
    assert.ok(!out.some((a) => a.type === 'timer' || a.type === 'reopen'), 'no backoff, no reopen');
    run((o) => q.begin(INIT, o));
  }
  assert.ok(!run((o) => q.noise(o)).some((a) => a.type === 'write'), 'outside receive noise sends nothing');
});

test('command-queue: a lost answer re-initialises once, then asks for the port to be reopened', () => {
  const q = queue();
  run((o) => q.begin(INIT, o));
  const first: DriverAction[] = [];
  assert.equal(q.expire(first), true);
  assert.deepEqual(first, [{ type: 'state', state: 'error', detail: 'no answer to "A"' }]);
  run((o) => q.begin(INIT, o));
  run((o) => q.next(o)); // "A" answered: the modem is there, the count of silent timeouts restarts
  const second: DriverAction[] = [];
  assert.equal(q.expire(second), true);
  run((o) => q.begin(INIT, o));
  const third: DriverAction[] = [];
  assert.equal(q.expire(third), false);
  assert.deepEqual(third.at(-1), { type: 'reopen', reason: 'modem silent: no answer to "A"' });
  assert.deepEqual(run((o) => q.heard(o)), [], 'no liveness deadline outside receive');
});

test('command-queue: refusals back off exponentially up to the cap; armed or clearFailures resets', () => {
  const q = queue();
  const backoffs: number[] = [];
  for (let i = 0; i < 8; i++) {
    run((o) => q.begin(INIT, o));
    const out = run((o) => q.refused(q.current!, 'busy', o));
    assert.deepEqual(out[0], { type: 'state', state: 'error', detail: '"A" answered busy' });
    const t = out.at(-1);
    assert.ok(t?.type === 'timer');
    backoffs.push(t.ms);
  }
  assert.deepEqual(backoffs, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  q.clearFailures();
  run((o) => q.begin(INIT, o));
  assert.deepEqual(run((o) => q.refused(q.current!, 'busy', o)).at(-1), { type: 'timer', ms: T.backoffMinMs });
  run((o) => q.begin(INIT, o));
  run((o) => q.armed(o));
  run((o) => q.begin(INIT, o));
  assert.deepEqual(run((o) => q.refused(q.current!, 'busy', o)).at(-1), { type: 'timer', ms: T.backoffMinMs });
});

test('command-queue: timer before anything was sent does nothing', () => {
  const q = queue();
  const out: DriverAction[] = [];
  assert.equal(q.expire(out), false);
  assert.deepEqual(out, []);
  assert.equal(q.phase, 'idle');
});

test('command-queue: noise during a command cuts its wait to the noise grace, once (also a 5 s reboot wait)', () => {
  const q = queue();
  run((o) => q.begin(INIT, o));
  assert.deepEqual(run((o) => q.noise(o)), [{ type: 'timer', ms: T.noiseGraceMs }]);
  assert.deepEqual(run((o) => q.noise(o)), [], 'more noise does not push the deadline out');
  run((o) => q.next(o)); // "B" may take 5 s
  assert.deepEqual(run((o) => q.noise(o)), [{ type: 'timer', ms: T.noiseGraceMs }]);
  assert.deepEqual(run((o) => q.noise(o)), []);
  assert.equal(q.expire([]), true);
});
