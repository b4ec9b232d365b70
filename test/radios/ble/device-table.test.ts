import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceTable } from '../../../src/radios/ble/device-table';

test('LRU keeps at most max_devices; pinned (enrolled) entries survive any flood', () => {
  const t = new DeviceTable(3);
  t.pin('000000000001');
  t.touch('000000000001', 1, -50).lastCounter = 7;
  for (let i = 0; i < 100; i++) t.touch(`aa00000000${(i % 256).toString(16).padStart(2, '0')}`, 10 + i, -70);
  assert.equal(t.size, 4);
  assert.equal(t.evicted, 97);
  assert.equal(t.get('000000000001')?.lastCounter, 7);
  // touching refreshes: the refreshed one outlives newer arrivals
  t.touch('aa0000000061', 200, -70);
  t.touch('bb0000000001', 201, -70);
  t.touch('bb0000000002', 202, -70);
  assert.ok(t.get('aa0000000061'));
  assert.equal(t.get('aa0000000062'), undefined);
  assert.deepEqual(t.entries().map((e) => e.mac), ['bb0000000002', 'bb0000000001', 'aa0000000061', '000000000001']);
  t.unpin('000000000001');
  assert.equal(t.get('000000000001')?.lastCounter, undefined, 'unpair forgets the counter');
  assert.ok(t.size <= 3);
});
