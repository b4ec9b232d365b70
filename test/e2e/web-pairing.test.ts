import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { until } from '../helpers/processes';
import { Chromium } from '../web/chromium';
import { runWebGateway } from '../web/gateway';

// Pairing from the page, as a person does it in Chromium: the gateway forwards only enrolled
// sensors; the page lists the ones heard nearby; a wrong token is refused, the right one pairs,
// and the sensor's readings then appear on the page with the name given.

const TOKEN = 'page-pairing-token-7f3a9c';

test('pairing from the page in Chromium: wrong token refused, right token pairs, readings appear', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-webpair-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'web.token'), TOKEN + '\n', { mode: 0o600 });
  const { gw, url } = await runWebGateway(t, dir, {
    ble: { enabled: true, emulate: true, forward: 'paired' },
  }, { token_file: join(dir, 'web.token') });
  await until('the sensors to be heard nearby', async () => {
    const d = (await (await fetch(`${url}/api/devices`)).json()) as { nearby: { mac: string }[] };
    return d.nearby.some((n) => n.mac.replace(/:/g, '').toLowerCase() === 'a4c138000001') || undefined;
  });

  const browser = await Chromium.launch();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.open(`${url}/`);
  await page.waitFor('the page to load', "document.body.dataset.ready === '1'");
  assert.equal(await page.evaluate("document.getElementById('pair').hidden"), false, 'the form is shown when a token is configured');
  assert.equal(await page.evaluate("document.querySelectorAll('.device').length"), 0, 'nothing forwarded before pairing');

  // Pick the sensor from the nearby list, name it, submit with a wrong token first.
  await page.waitFor('the nearby list', "[...document.querySelectorAll('#nearby button')].some((b) => b.textContent === 'a4:c1:38:00:00:01')");
  await page.evaluate(`(() => {
    [...document.querySelectorAll('#nearby button')].find((b) => b.textContent === 'a4:c1:38:00:00:01').click();
    document.getElementById('pair-name').value = 'greenhouse';
    document.getElementById('pair-token').value = 'not-the-token';
    document.getElementById('pair-form').requestSubmit();
  })()`);
  assert.equal(await page.evaluate("document.getElementById('pair-mac').value"), 'a4:c1:38:00:00:01');
  const refused = await page.waitFor<string>('the refusal', "(() => { const t = document.getElementById('pair-result').textContent; return t.startsWith('refused') ? t : ''; })()");
  assert.match(refused, /token/);
  await page.evaluate(`(() => {
    document.getElementById('pair-token').value = ${JSON.stringify(TOKEN)};
    document.getElementById('pair-form').requestSubmit();
  })()`);
  const done = await page.waitFor<string>('the pairing', "(() => { const t = document.getElementById('pair-result').textContent; return t.startsWith('paired') ? t : ''; })()");
  assert.equal(done, 'paired a4:c1:38:00:00:01 as greenhouse');

  // The sensor is now forwarded: its card appears with the name, and keeps updating.
  await page.waitFor('the paired sensor on the page', "(() => { const c = document.querySelector('[data-id=\"ble/a4c138000001\"]'); return c && c.querySelector('.label').textContent === 'greenhouse' && Number(c.dataset.count) >= 2; })()");
  assert.equal(await page.evaluate("document.querySelectorAll('.device').length"), 1, 'only the paired sensor');
  assert.ok(!gw.logs.some((l) => JSON.stringify(l).includes(TOKEN)), 'the token is never logged');
  assert.deepEqual(page.errors.filter((e) => !/401/.test(e)), [], 'no script or CSP errors (the refused POST logs its 401)');
});
