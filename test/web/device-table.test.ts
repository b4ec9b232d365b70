import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeviceTable } from '../../src/web/device-table';
import { bleReading } from './helpers';

// The page's device table is fed from the air: every dimension of it is bounded.

test('fields beyond the history bound are shown but get no history; non-finite numbers are not plotted', () => {
  const table = new DeviceTable(4, 5);
  const fields: Record<string, number> = {};
  for (let i = 0; i < 100; i++) fields[`f${i}`] = i;
  table.record(bleReading('a4c138000001', { ...fields, nan: Number.NaN }), 1n);
  const [d] = table.list();
  assert.equal(Object.keys(d.fields).length, 101, 'every field of the last reading is shown');
  assert.equal(Object.keys(d.history).length, 32, 'history for at most 32 fields per device');
  assert.ok(!('nan' in d.history));
});

test('devices are listed most recently heard first and the oldest is forgotten at the bound', () => {
  const table = new DeviceTable(3, 5);
  for (const [i, dev] of ['a1', 'a2', 'a3', 'a1', 'a4'].entries()) table.record(bleReading(dev, { t: i }), BigInt(i + 1));
  assert.deepEqual(table.list().map((d) => d.device), ['a4', 'a1', 'a3']);
  assert.equal(table.evicted, 1);
  const a1 = table.list()[1];
  assert.deepEqual(a1.history.t, [0, 3]);
  assert.equal(a1.count, 2);
  assert.equal(a1.seq, '4');
});

test('a view handed out is a copy: later readings do not change it', () => {
  const table = new DeviceTable(3, 5);
  table.record(bleReading('a1', { t: 1 }, { name: 'porch' }), 1n);
  const first = table.update('ble/a1')!;
  table.record(bleReading('a1', { t: 2 }), 2n);
  assert.equal(first.fields.t, 1);
  const [now] = table.list();
  assert.equal(now.fields.t, 2);
  assert.equal(now.name, 'porch', 'the label stays when a later reading has none');
});
