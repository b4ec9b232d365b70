import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { formatLogLine } from '../../src/util/log-format';
import { cliArgs } from '../helpers/paths';

const WARN = JSON.stringify({ level: 40, time: Date.UTC(2026, 11, 1, 21, 50, 3, 123), pid: 812, hostname: 'pi', name: 'lowband', port: '/dev/ttyUSB0', msg: 'serial port lost' });

test('lowband logs: pino JSON lines from stdin become one readable line each; other lines pass unchanged', () => {
  const input = [WARN, 'plain text from somewhere', 'Dec 01 21:50:03 pi lowband[812]: ' + WARN, '{"not":"pino"}', '{broken', ''].join('\n');
  const r = spawnSync(process.execPath, cliArgs('logs'), { input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n'), [
    '2026-12-01 21:50:03.123 WARN  serial port lost  port=/dev/ttyUSB0',
    'plain text from somewhere',
    'Dec 01 21:50:03 pi lowband[812]: 2026-12-01 21:50:03.123 WARN  serial port lost  port=/dev/ttyUSB0',
    '{"not":"pino"}',
    '{broken',
    '',
  ]);
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colours into a pipe');
});

test('colours on request (a terminal), with the level coloured', () => {
  const r = spawnSync(process.execPath, cliArgs('logs', '--color'), { input: WARN + '\n', encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\x1b\[33mWARN \x1b\[0m serial port lost/);
  assert.equal(formatLogLine(WARN, { colour: true }).replace(/\x1b\[[0-9;]*m/g, ''), '21:50:03 WARN  serial port lost  port=/dev/ttyUSB0');
});

test('an over-long line is cut, not held whole', () => {
  const r = spawnSync(process.execPath, cliArgs('logs'), { input: 'x'.repeat(100_000) + '\n', encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^x{16384} … \(83616 more characters\)\n$/);
});
