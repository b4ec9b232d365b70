import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AbpDevice } from '../../hardware/emulators/lorawan-device';
import type { GatewayStatus } from '../../src/control/protocol';
import { REPO } from '../helpers/paths';
import { until } from '../helpers/processes';
import { FakeForwarder, udpPortFromStatus } from '../helpers/semtech';
import { Chromium } from '../web/chromium';
import { runWebGateway } from '../web/gateway';

// A real browser on the real page: `lowband run` on emulated BLE sensors and a Semtech UDP
// forwarder carrying LoRaWAN uplinks, Debian's headless Chromium driven over the DevTools pipe.
// The screenshot lands in the test's directory; UPDATE_SCREENSHOTS=1 also writes
// docs/web-status.png (the README's picture).

const DEVADDR = '49be7df1';
const NWKSKEY = '44024241ed4ce9a68c6a8bc055233fd3';
const APPSKEY = 'ec925802ae430ca77fd3dd73cb2cc588';

/** Cayenne LPP: channel 1 temperature (0.1 °C), channel 2 humidity (0.5 %). */
function cayenne(tempC: number, humidity: number): Buffer {
  const t = Math.round(tempC * 10);
  return Buffer.from([1, 0x67, (t >> 8) & 0xff, t & 0xff, 2, 0x68, Math.round(humidity * 2)]);
}

test('the status page in Chromium shows the devices heard, their readings and state, and updates live', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-webpage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { url } = await runWebGateway(t, dir, {
    gateway: { id: 'pi-garden' },
    ble: { enabled: true, emulate: true, forward: 'all' },
    udp: [{ name: 'udp0', bind: '127.0.0.1:0' }],
    lorawan: { devices: [{ devaddr: DEVADDR, nwkskey: NWKSKEY, appskey: APPSKEY, codec: 'cayenne', name: 'field-probe' }] },
  });
  const status = async () => (await (await fetch(`${url}/api/status`)).json()) as GatewayStatus;
  const fwd = new FakeForwarder(await until('udp port', async () => udpPortFromStatus(await status(), 'udp0')));
  const probe = new AbpDevice(DEVADDR, Buffer.from(NWKSKEY, 'hex'), Buffer.from(APPSKEY, 'hex'));
  let uplinks = 0;
  // The LoRaWAN probe sends every 300 ms while the test runs, its temperature rising.
  const sender = setInterval(() => void fwd.push([probe.uplink(cayenne(18 + uplinks++ * 0.3, 55))]).catch(() => undefined), 300);
  t.after(() => {
    clearInterval(sender);
    fwd.close();
  });

  const browser = await Chromium.launch();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.viewport(1280, 900);
  await page.open(`${url}/`);

  // Devices appear: the emulated BLE sensors and the LoRaWAN probe with its label.
  await page.waitFor('the page to load', "document.body.dataset.ready === '1'");
  await page.waitFor('devices to appear', "document.querySelectorAll('.device').length >= 4 && !!document.querySelector('[data-id=\"lora/" + DEVADDR + "\"]')");
  const card = (id: string) => `document.querySelector('[data-id="${id}"]')`;
  const read = (id: string) =>
    page.evaluate<{ label: string; meta: string; fields: Record<string, string>; count: number; points: number } | null>(`(() => {
      const c = ${card(id)};
      if (!c) return null;
      const fields = {};
      c.querySelectorAll('.fields tr').forEach((tr) => { fields[tr.querySelector('th').textContent] = tr.querySelector('.value').textContent; });
      const poly = c.querySelector('.spark polyline');
      return { label: c.querySelector('.label').textContent, meta: c.querySelector('.meta').textContent, fields, count: Number(c.dataset.count),
        points: poly ? poly.getAttribute('points').split(' ').length : 0 };
    })()`);
  const lora = `lora/${DEVADDR}`;
  const ble = 'ble/a4c138000001';
  const lora1 = (await read(lora))!;
  assert.equal(lora1.label, 'field-probe', 'the label from lorawan.devices[].name');
  assert.match(lora1.meta, /^lora\/49be7df1 · lora · cayenne · udp0$/);
  assert.ok('temperature_1' in lora1.fields || Object.keys(lora1.fields).some((k) => k.startsWith('temperature')), JSON.stringify(lora1.fields));
  const ble1 = (await read(ble))!;
  assert.match(ble1.meta, /bthome/);
  assert.ok('temperature' in ble1.fields, JSON.stringify(ble1.fields));

  // ... and update live: counts grow, values change, sparklines draw a history.
  await page.waitFor('the LoRa card to update', `Number(${card(lora)}.dataset.count) >= ${lora1.count + 3}`);
  await page.waitFor('the BLE card to update', `Number(${card(ble)}.dataset.count) >= ${ble1.count + 3}`);
  const lora2 = (await read(lora))!;
  const ble2 = (await read(ble))!;
  assert.notDeepEqual(lora2.fields, lora1.fields, 'the shown reading changed');
  assert.ok(lora2.points >= 3 && ble2.points >= 3, `sparklines have points (${lora2.points}, ${ble2.points})`);

  // The gateway's state as `lowband status` has it.
  await page.waitFor('the status tables', "document.querySelectorAll('#adapters tr').length === 2 && document.getElementById('gw').textContent === 'pi-garden'");
  const tables = await page.evaluate<{ adapters: string[]; sinks: string[]; total: number; uptime: string }>(`({
    adapters: [...document.querySelectorAll('#adapters tr')].map((tr) => tr.textContent),
    sinks: [...document.querySelectorAll('#sinks tr')].map((tr) => tr.textContent),
    total: Number(document.getElementById('total').textContent),
    uptime: document.getElementById('uptime').textContent,
  })`);
  assert.ok(tables.adapters.some((r) => r.startsWith('udp0semtech-udprunning')), tables.adapters.join(' / '));
  assert.ok(tables.adapters.some((r) => r.startsWith('ble0blerunning')), tables.adapters.join(' / '));
  assert.ok(tables.sinks.some((r) => r.startsWith('publishpublishlistening')), tables.sinks.join(' / '));
  assert.ok(tables.total > 0);
  assert.match(tables.uptime, /^\d+[smhd]/);
  assert.equal(await page.evaluate("document.getElementById('live').textContent"), 'live', 'the readings stream is connected');

  // Nothing blocked by the CSP, no script errors, nothing requested from anywhere else.
  assert.deepEqual(page.errors, []);
  assert.ok(page.requests.length > 0);
  for (const r of page.requests) assert.ok(r.startsWith(url + '/') || r.startsWith('data:'), `requested ${r}`);

  // A history worth looking at in the picture.
  await page.waitFor('longer sparklines', `${card(lora)}.querySelector('.spark polyline').getAttribute('points').split(' ').length >= 10`);
  const shot = await page.screenshot();
  assert.deepEqual([...shot.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
  assert.equal(shot.readUInt32BE(16), 1280, 'screenshot width');
  writeFileSync(join(dir, 'web-status.png'), shot);
  if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(join(dir, 'web-status.png'), join(REPO, 'docs', 'web-status.png'));

  // A plain `chromium --dump-dom` (no DevTools) sees the same: the page is complete at load.
  const dom = await Chromium.dumpDom(`${url}/`);
  assert.match(dom, /<body[^>]*data-ready="1"/);
  for (const id of [lora, ble]) assert.ok(dom.includes(`data-id="${id}"`), `${id} in the dumped DOM`);
  assert.match(dom, /field-probe/);

  // Readable on a phone: one column, nothing wider than the screen.
  await page.viewport(390, 844, true);
  const fits = await page.waitFor<{ scroll: number; width: number }>('the phone layout', `(() => {
    const w = document.documentElement.clientWidth, s = document.documentElement.scrollWidth;
    return w <= 400 ? { scroll: s, width: w } : null;
  })()`);
  assert.ok(fits.scroll <= fits.width, `no horizontal scrolling on a phone (${fits.scroll} > ${fits.width})`);
  const phone = await page.screenshot();
  writeFileSync(join(dir, 'web-status-phone.png'), phone);
  if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(join(dir, 'web-status-phone.png'), join(REPO, 'docs', 'web-status-phone.png'));
});
