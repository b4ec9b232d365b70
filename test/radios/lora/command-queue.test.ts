import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_TIMING, CommandQueue, type QueuedCommand } from '../../../src/radios/lora/command-queue';
import type { DriverAction } from '../../../src/radios/lora/modem-driver';

const T = COMMAND_TIMING;
const INIT: QueuedCommand[] = [{ line: 'A' }, { line: 'B', timeoutMs: 5000 }, { line: 'ARM' }];

function run(f: (out: DriverAction[]) => unknown): DriverAction[] {
  const out: DriverAction[] = [];
  f(out);
  return out;
}

test('command-queue: begin reports initialising once and sends commands in order under their deadlines', () => {
  const q = new CommandQueue<QueuedCommand>(T);
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

test('command-queue: armed clears the queue, reports receiving and keeps only the silence deadline', () => {
  const q = new CommandQueue<QueuedCommand>(T);
  run((o) => q.begin(INIT, o));
  assert.deepEqual(run((o) => q.armed(o)), [
    { type: 'state', state: 'receiving' },
    { type: 'timer', ms: T.silenceMs },
  ]);
  assert.equal(q.phase, 'armed');
  assert.equal(q.current, undefined);
  assert.equal(q.state, 'receiving');
  assert.deepEqual(run((o) => q.heard(o)), [{ type: 'timer', ms: T.silenceMs }]);
  assert.equal(q.expire([]), true, 'silence: re-initialise');
  assert.equal(q.state, 'error');
});

test('command-queue: a lost answer re-initialises once, then backs off', () => {
  const q = new CommandQueue<QueuedCommand>(T);
  run((o) => q.begin(INIT, o));
  const first: DriverAction[] = [];
  assert.equal(q.expire(first), true);
  assert.deepEqual(first, [{ type: 'state', state: 'error', detail: 'no answer to "A"' }]);
  run((o) => q.begin(INIT, o));
  const second: DriverAction[] = [];
  assert.equal(q.expire(second), false);
  assert.deepEqual(second.at(-1), { type: 'timer', ms: T.backoffMinMs * 2 });
  assert.equal(q.phase, 'backoff');
  assert.deepEqual(run((o) => q.heard(o)), [], 'no silence deadline outside receive');
  assert.equal(q.expire([]), true, 'backoff over: re-initialise');
});

test('command-queue: refusals back off exponentially up to the cap; armed or clearFailures resets', () => {
  const q = new CommandQueue<QueuedCommand>(T);
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
  const q = new CommandQueue<QueuedCommand>(T);
  const out: DriverAction[] = [];
  assert.equal(q.expire(out), false);
  assert.deepEqual(out, []);
  assert.equal(q.phase, 'idle');
});
