import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, RateLimitedLog } from '../../src/util/log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger('info', { destination: dest }), lines };
}

const flush = () => new Promise((r) => setImmediate(r));

test('a repeated problem logs once per interval, then says how many were suppressed', async () => {
  const { log, lines } = capture();
  let clock = 1_000_000;
  const rl = new RateLimitedLog(log, 60_000, 256, () => clock);
  for (let i = 0; i < 100; i++) rl.warn('port', { port: '/dev/ttyUSB0' }, 'serial port lost; reopening');
  await flush();
  assert.equal(lines.length, 1);
  clock += 59_000;
  rl.warn('port', {}, 'still within the minute');
  await flush();
  assert.equal(lines.length, 1);
  clock += 1_000;
  rl.warn('port', { port: '/dev/ttyUSB0' }, 'serial port lost; reopening');
  await flush();
  assert.equal(lines.length, 2);
  assert.equal(lines[1].suppressed, 100);
  // Other topics are independent; reset() makes the next occurrence log at once.
  rl.warn('other', {}, 'x');
  rl.reset('port');
  rl.warn('port', {}, 'serial port lost; reopening');
  await flush();
  assert.equal(lines.length, 4);
});

test('secrets are redacted by key name as a second line of defence', async () => {
  const { log, lines } = capture();
  log.info({ appskey: 'ec925802ae430ca77fd3dd73cb2cc588', device: { bindkey: 'aa', name: 'n' }, password: 'p' }, 'config');
  await flush();
  const text = JSON.stringify(lines);
  assert.doesNotMatch(text, /ec925802|"aa"|"p"/);
  assert.match(text, /\[redacted\]/);
});
