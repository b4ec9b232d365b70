import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../../src/radios/lora/line-splitter';

test('CRLF, LF and CR lines across chunk boundaries', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push(Buffer.from('radio_rx  01')), []);
  assert.deepEqual(s.push(Buffer.from('02\r\nok\r')), ['radio_rx  0102', 'ok']);
  assert.deepEqual(s.push(Buffer.from('\nradio_err\n')), ['radio_err']);
});

test('an over-long line is discarded up to its end and counted; the next line survives', () => {
  const s = new LineSplitter(16);
  assert.deepEqual(s.push(Buffer.alloc(10, 0x41)), []);
  assert.deepEqual(s.push(Buffer.alloc(1_000_000, 0x42)), []);
  assert.equal(s.overlong, 1);
  assert.deepEqual(s.push(Buffer.from('more\r\nradio_err\r\n')), ['radio_err']);
});

test('binary garbage maps to characters without throwing', () => {
  const s = new LineSplitter();
  const lines = s.push(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].length, 4);
});

test('the splitter keeps its own copy of a partial line', () => {
  const s = new LineSplitter();
  const buf = Buffer.from('abc');
  s.push(buf);
  buf.write('xyz');
  assert.deepEqual(s.push(Buffer.from('\n')), ['abc']);
});
