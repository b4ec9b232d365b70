import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makeRig, waitFor } from './helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const FLOOD = 200_000;
const MAX_DEVICES = 4096;
/** Stated bound on the process's resident memory after the flood (without pruning, the heap alone grows by ~260 MB). */
const RSS_BOUND_MB = 200;
/** Stated bound: heap growth after 200k distinct addresses stays under this. */
const BOUND_BYTES = 40 * 1024 * 1024;

test(`${FLOOD} random addresses through noble's real HCI code: bounded memory, enrolled sensor keeps flowing`, async () => {
  const rig = await makeRig({
    config: { max_devices: MAX_DEVICES },
    sensors: [{ kind: 'bthome', mac: 'a4c138000001', intervalMs: 5, repeats: 1 }],
  });
  try {
    await rig.adapter.pair('a4c138000001', { name: 'enrolled' });
    await waitFor(() => rig.adapter.status().state === 'running', 'adapter running');
    rig.emu.start();
    await waitFor(() => rig.readings.length >= 3, 'enrolled sensor flowing');
    // warm up JIT and caches so the baseline is not the cold process
    await rig.emu.flood(20_000);
    const before = settledHeap();
    const readingsBefore = rig.readings.length;
    const t0 = process.hrtime.bigint();
    const sent = await rig.emu.flood(FLOOD, { batch: 500 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const readingsDuring = rig.readings.length - readingsBefore;
    const after = settledHeap();
    const growth = after - before;

    const noble = rig.loaded()!.noble as unknown as Record<string, object> & { _bindings: Record<string, object> & { _gap: { _discoveries: object } } };
    const cacheSizes = {
      peripherals: Object.keys(noble._peripherals).length,
      services: Object.keys(noble._services).length,
      discovered: Object.keys(noble._discoveredPeripheralUUids).length,
      addresses: Object.keys(noble._bindings._addresses).length,
      addressTypes: Object.keys(noble._bindings._addresseTypes).length,
      connectable: Object.keys(noble._bindings._connectable).length,
      gapDiscoveries: Object.keys(noble._bindings._gap._discoveries).length,
    };
    const diag = {
      sent, delivered: rig.emu.socket.stats.reports, advertsPerSecond: Math.round(sent / seconds),
      heapGrowthMB: +(growth / 1048576).toFixed(2), rssMB: +(process.memoryUsage().rss / 1048576).toFixed(1),
      tableSize: rig.adapter.table.size, evicted: rig.adapter.table.evicted, readingsDuring, cacheSizes,
    };
    console.log(`# ble flood: ${JSON.stringify(diag)} sent=${rig.emu.sensors[0].sent} drops=${JSON.stringify(rig.adapter.status().drops)} total=${rig.readings.length}`);

    assert.equal(sent, FLOOD);
    assert.ok(growth < BOUND_BYTES, `heap grew ${diag.heapGrowthMB} MB (bound 40 MB)`);
    // The acceptance names RSS: the whole test process (runner, noble, emulator) stays small.
    assert.ok(diag.rssMB < RSS_BOUND_MB, `RSS ${diag.rssMB} MB (bound ${RSS_BOUND_MB} MB)`);
    for (const [k, v] of Object.entries(cacheSizes)) assert.equal(v, 0, `noble cache ${k} pruned`);
    assert.ok(rig.adapter.table.size <= MAX_DEVICES + 1, 'device table bounded by max_devices (+ pinned)');
    assert.ok(rig.adapter.table.evicted > 0);
    assert.ok(readingsDuring >= 5, `enrolled sensor readings kept flowing during the flood (${readingsDuring})`);
    assert.ok(rig.adapter.nearby().some((d) => d.mac === 'a4:c1:38:00:00:01' && d.paired), 'enrolled sensor still known');
  } finally {
    await rig.close();
  }
});
