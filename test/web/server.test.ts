import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/validate';
import { createLogger } from '../../src/util/log';
import { WebServer } from '../../src/web';
import { until } from '../helpers/processes';
import { bleReading, fakeServices, fakeStatus, http, rawConnection, startWeb, webConfig, within } from './helpers';

// The web server on its own (fake gateway services): headers, refusals and bounds.

test('GET / sends the page with a strict CSP that allows exactly its inline script and style', async (t) => {
  const { web, port } = await startWeb();
  t.after(() => web.stop());
  const r = await http(port, 'GET', '/');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.equal(r.headers['x-frame-options'], 'DENY');
  const csp = String(r.headers['content-security-policy']);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  const script = /<script>([\s\S]*)<\/script>/.exec(r.body)![1];
  const style = /<style>([\s\S]*)<\/style>/.exec(r.body)![1];
  const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
  assert.ok(csp.includes(`script-src ${hash(script)}`), 'the script hash in the CSP is the served script');
  assert.ok(csp.includes(`style-src ${hash(style)}`), 'the style hash in the CSP is the served style');
  // Nothing from outside: no URL with a scheme or protocol-relative host in the document.
  assert.doesNotMatch(r.body.replace('http://www.w3.org/2000/svg', ''), /(src|href)=["']?(https?:)?\/\//);
  assert.doesNotMatch(r.body.replace('http://www.w3.org/2000/svg', ''), /https?:\/\//);
  const head = await http(port, 'HEAD', '/');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test('the page carries the state at request time; text from the air cannot break out of it', async (t) => {
  const { web, port } = await startWeb();
  t.after(() => web.stop());
  const hostile = '</script><script>alert(1)</script><!--';
  web.tap(bleReading('a4c138000001', { note: hostile, temperature: 21 }, { name: hostile }), 1n);
  const r = await http(port, 'GET', '/');
  assert.equal(r.body.split('</script>').length, 3, 'exactly the two script elements of the page');
  const data = /<script type="application\/json" id="initial">([\s\S]*?)<\/script>/.exec(r.body)![1];
  const initial = JSON.parse(data);
  assert.equal(initial.status.gateway, 'unit-gw');
  assert.equal(initial.devices.devices[0].name, hostile, 'the text survives, as text');
});

test('/api/status is the status snapshot; /api/devices lists what the tap heard, bounded', async (t) => {
  const { web, port, services } = await startWeb({ max_devices: 2, history_points: 3 });
  t.after(() => web.stop());
  assert.deepEqual(JSON.parse((await http(port, 'GET', '/api/status')).body).sinks, services.status().sinks);
  for (let i = 0; i < 5; i++) web.tap(bleReading('a4c138000001', { temperature: 20 + i, state: 'ok' }, { name: 'greenhouse' }), BigInt(i + 1));
  web.tap(bleReading('a4c138000002', { humidity: 50 }), 6n);
  web.tap(bleReading('a4c138000003', { humidity: 51 }), 7n);
  const d = JSON.parse((await http(port, 'GET', '/api/devices')).body);
  assert.equal(d.historyPoints, 3);
  assert.deepEqual(d.devices.map((x: { id: string }) => x.id), ['ble/a4c138000003', 'ble/a4c138000002'], 'least recently heard forgotten first');
  web.tap(bleReading('a4c138000001', { temperature: 30 }), 8n);
  const again = JSON.parse((await http(port, 'GET', '/api/devices')).body);
  const one = again.devices.find((x: { id: string }) => x.id === 'ble/a4c138000001');
  assert.deepEqual(one.history, { temperature: [30] }, 'a forgotten device starts a new history');
  const m = (await http(port, 'GET', '/metrics')).body;
  assert.match(m, /^lowband_web_devices 2$/m);
});

test('sparkline history keeps the last history_points numeric values per field', async (t) => {
  const { web, port } = await startWeb({ history_points: 3 });
  t.after(() => web.stop());
  for (let i = 0; i < 5; i++) web.tap(bleReading('a4c138000001', { temperature: i, label: 'x' }), BigInt(i + 1));
  const [dev] = JSON.parse((await http(port, 'GET', '/api/devices')).body).devices;
  assert.deepEqual(dev.history, { temperature: [2, 3, 4] });
  assert.equal(dev.fields.label, 'x');
  assert.equal(dev.count, 5);
  assert.equal(dev.seq, '5');
});

test('every method but GET/HEAD is 405 and unknown paths are 404, counted', async (t) => {
  const { web, port } = await startWeb();
  t.after(() => web.stop());
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    for (const path of ['/', '/api/status', '/api/pair', '/metrics']) {
      const r = await http(port, method, path);
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.allow, 'GET, HEAD');
      assert.equal(r.headers['x-frame-options'], 'DENY');
    }
  }
  for (const path of ['/nope', '/api', '/api/status/x', '/../etc/passwd', '/metrics.txt']) assert.equal((await http(port, 'GET', path)).status, 404, path);
  const m = (await http(port, 'GET', '/metrics')).body;
  assert.match(m, /^lowband_drops_total\{stage="web",cause="method"\} 20$/m);
  assert.match(m, /^lowband_drops_total\{stage="web",cause="not_found"\} 5$/m);
});

test('on loopback, a Host that is not local is refused (DNS rebinding)', async (t) => {
  const { web, port } = await startWeb();
  t.after(() => web.stop());
  for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example']) {
    const r = await http(port, 'GET', '/api/status', { headers: { Host: host } });
    assert.equal(r.status, 403, host);
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'LOCALHOST', `[::1]:${port}`]) {
    assert.equal((await http(port, 'GET', '/api/status', { headers: { Host: host } })).status, 200, host);
  }
  assert.match((await http(port, 'GET', '/metrics')).body, /^lowband_drops_total\{stage="web",cause="host"\} 3$/m);
});

test('bound to all interfaces, any Host is served', async (t) => {
  const { web, port } = await startWeb({ bind: '0.0.0.0:0' });
  t.after(() => web.stop());
  assert.equal((await http(port, 'GET', '/api/status', { headers: { Host: 'pi-garden.local:8080' } })).status, 200);
});

test('a fault while answering is a 500 for that request, not a crash', async (t) => {
  const services = fakeServices();
  let broken = true;
  services.status = () => {
    if (broken) throw new Error('status exploded');
    return fakeStatus();
  };
  const { web, port } = await startWeb({}, services);
  t.after(() => web.stop());
  assert.equal((await http(port, 'GET', '/api/status')).status, 500);
  assert.equal((await http(port, 'GET', '/')).status, 500);
  assert.equal((await http(port, 'GET', '/metrics')).status, 500);
  broken = false;
  assert.equal((await http(port, 'GET', '/api/status')).status, 200);
  assert.match((await http(port, 'GET', '/metrics')).body, /cause="fault"\} 3$/m);
});

test('a reading the tap cannot take is counted, never thrown back into the pipeline', async (t) => {
  const { web, port } = await startWeb();
  t.after(() => web.stop());
  const hostile = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
  assert.doesNotThrow(() => web.tap(bleReading('a4c138000001', hostile as Record<string, number>), 1n));
  web.tap(bleReading('a4c138000002', { t: 1 }), 2n);
  assert.match((await http(port, 'GET', '/metrics')).body, /cause="tap_fault"\} 1$/m);
  const shown = JSON.parse((await http(port, 'GET', '/api/devices')).body).devices.map((d: { device: string }) => d.device);
  assert.ok(shown.includes('a4c138000002'), 'the next reading is shown');
  assert.match((await http(port, 'GET', '/metrics')).body, /^lowband_readings_total\{radio="ble",src="ble0"\} 2$/m);
});

test('an oversized request head gets 431 and the server keeps serving', async (t) => {
  const { web, port } = await startWeb();
  t.after(() => web.stop());
  const r = await http(port, 'GET', '/', { headers: { 'X-Big': 'a'.repeat(20_000) } });
  assert.equal(r.status, 431);
  assert.equal((await http(port, 'GET', '/api/status')).status, 200);
});

test('a body on a GET or a refused method is not read: 413 or 405, and the connection is closed', async (t) => {
  const { web, port } = await startWeb();
  t.after(() => web.stop());
  for (const method of ['GET', 'PUT']) {
    const c = await rawConnection(port);
    t.after(() => c.socket.destroy());
    // Announce 100 MB, send a little: the server must answer and close without waiting for the rest.
    c.socket.write(`${method} /api/status HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n\r\n` + 'x'.repeat(1000));
    await within(c.closed, 10_000, `${method} with a huge body to be answered and closed`);
    assert.match(c.received(), method === 'GET' ? /^HTTP\/1\.1 413/ : /^HTTP\/1\.1 405/);
  }
  assert.equal((await http(port, 'GET', '/api/status')).status, 200);
});

test('a request line over the head limit gets 431', async (t) => {
  const { web, port } = await startWeb();
  t.after(() => web.stop());
  assert.equal((await http(port, 'GET', '/' + 'a'.repeat(10_000))).status, 431);
});

test('slowloris: a request whose headers never finish is cut after headers_timeout_ms', async (t) => {
  const { web, port } = await startWeb({ headers_timeout_ms: 1000, request_timeout_ms: 2000 });
  t.after(() => web.stop());
  const c = await rawConnection(port);
  t.after(() => c.socket.destroy());
  const startedAt = Date.now();
  c.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
  // Keep trickling header bytes, as a slowloris client does, until the server gives up.
  const trickle = setInterval(() => c.socket.writable && c.socket.write('X-a: b\r\n'), 200);
  t.after(() => clearInterval(trickle));
  await within(c.closed, 15_000, 'the server to close a never-ending request head');
  clearInterval(trickle);
  assert.ok(Date.now() - startedAt >= 900, 'not before the bound');
  assert.match(c.received(), /^HTTP\/1\.1 408/);
  assert.equal((await http(port, 'GET', '/api/status')).status, 200);
});

test('connections beyond max_connections are closed; held streams keep working', async (t) => {
  const { web, port } = await startWeb({ max_connections: 3 });
  t.after(() => web.stop());
  const held = await Promise.all([0, 1, 2].map(() => rawConnection(port)));
  t.after(() => held.forEach((c) => c.socket.destroy()));
  for (const c of held) c.socket.write('GET /api/stream HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await until('three streams open', () => held.every((c) => c.received().includes('lowband readings')));
  const extra = await rawConnection(port);
  extra.socket.write('GET /api/status HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await within(extra.closed, 10_000, 'the connection over the limit to be closed');
  assert.equal(extra.received(), '', 'no answer past the limit');
  web.tap(bleReading('a4c138000001', { temperature: 21.5 }), 1n);
  await until('the held streams to get the reading', () => held.every((c) => c.received().includes('"temperature":21.5')));
  held[0].socket.destroy();
  await held[0].closed;
  const m = await until('a connection slot again', () => http(port, 'GET', '/metrics').catch(() => undefined));
  assert.match(m.body, /^lowband_drops_total\{stage="web",cause="too_many_connections"\} [1-9]/m);
  assert.match(m.body, /^lowband_web_stream_clients 2$/m);
});

test('a stream client that does not read is cut at stream_buffer_bytes and counted', async (t) => {
  const { web, port } = await startWeb({ stream_buffer_bytes: 4096 });
  t.after(() => web.stop());
  const slow = await rawConnection(port);
  const fast = await rawConnection(port);
  t.after(() => { slow.socket.destroy(); fast.socket.destroy(); });
  for (const c of [slow, fast]) c.socket.write('GET /api/stream HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await until('both streams open', () => slow.received().includes('lowband readings') && fast.received().includes('lowband readings'));
  slow.socket.pause();
  let fastSeen = 0;
  fast.socket.on('data', () => fastSeen++);
  const big = 'x'.repeat(1000);
  // Small bursts with a turn of the event loop between them (http writes of one turn are
  // buffered together), until the paused client's kernel buffers and then the bound are full.
  let n = 0;
  await until('the slow client to be cut', async () => {
    for (let i = 0; i < 100; i++) {
      web.tap(bleReading('a4c138000001', { temperature: n++, note: big }), BigInt(n));
      await new Promise((r) => setImmediate(r));
    }
    const m = (await http(port, 'GET', '/metrics')).body;
    return /cause="slow_client"\} 1$/m.test(m) || undefined;
  }, 60_000, 0);
  // Reading again, it finds the end of a stream the server closed.
  slow.socket.resume();
  await within(slow.closed, 10_000, 'the slow socket to be closed');
  assert.ok(fastSeen > 0);
  const m = (await http(port, 'GET', '/metrics')).body;
  assert.match(m, /^lowband_web_stream_clients 1$/m, 'the reading client stays');
});

test('pairing: 405 without web.token_file; with it 401 on a wrong or missing token, 200 on the right one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-web-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const token = 'k3Vd9-pairing-token-for-tests';
  writeFileSync(join(dir, 'token'), token + '\n', { mode: 0o600 });
  const { web, port, services } = await startWeb({ token_file: join(dir, 'token') });
  t.after(() => web.stop());
  const body = JSON.stringify({ mac: 'a4:c1:38:00:00:01', name: 'greenhouse', key: '231d39c1d7cc1ab1aee224cd096db932' });
  const json = { 'Content-Type': 'application/json' };
  for (const auth of [undefined, 'Bearer wrong', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, `Basic ${token}`, 'Bearer ']) {
    const r = await http(port, 'POST', '/api/pair', { headers: auth === undefined ? json : { ...json, Authorization: auth }, body });
    assert.equal(r.status, 401, `auth ${auth}`);
    assert.ok(!r.body.includes(token));
  }
  assert.equal(services.paired.length, 0);
  const ok = await http(port, 'POST', '/api/pair', { headers: { ...json, Authorization: `Bearer ${token}` }, body });
  assert.equal(ok.status, 200, ok.body);
  assert.deepEqual(JSON.parse(ok.body).mac, 'a4:c1:38:00:00:01');
  assert.ok(!ok.body.includes('231d39c1'), 'the bindkey is not echoed');
  assert.deepEqual(services.paired, [{ mac: 'a4:c1:38:00:00:01', name: 'greenhouse', key: '231d39c1d7cc1ab1aee224cd096db932' }]);
  const auth = { ...json, Authorization: `Bearer ${token}` };
  assert.equal((await http(port, 'POST', '/api/pair', { headers: auth, body: '{"mac":"nope"}' })).status, 400);
  assert.equal((await http(port, 'POST', '/api/pair', { headers: auth, body: 'not json' })).status, 400);
  assert.equal((await http(port, 'POST', '/api/pair', { headers: { Authorization: `Bearer ${token}` }, body })).status, 415);
  const big = await http(port, 'POST', '/api/pair', { headers: auth, body: JSON.stringify({ mac: 'a4:c1:38:00:00:01', name: 'x'.repeat(10_000) }) });
  assert.equal(big.status, 413);
  assert.equal(services.paired.length, 1, 'nothing refused reached the BLE side');
  assert.equal(JSON.parse((await http(port, 'GET', '/api/devices')).body).pairing, true);
  const page = await http(port, 'GET', '/');
  assert.match(page.body, /data-pairing="1"/);

  const { web: ro, port: roPort, services: roServices } = await startWeb();
  t.after(() => ro.stop());
  assert.equal((await http(roPort, 'POST', '/api/pair', { headers: auth, body })).status, 405);
  assert.equal(roServices.paired.length, 0);
  assert.match((await http(roPort, 'GET', '/')).body, /data-pairing="0"/);
});

test('a chunked pairing body over the limit is refused without reading it all', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-web-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), 'another-token-0123456789');
  const { web, port } = await startWeb({ token_file: join(dir, 'token') });
  t.after(() => web.stop());
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/pair', agent: false, headers: { 'Content-Type': 'application/json', Authorization: 'Bearer another-token-0123456789', 'Transfer-Encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    const chunk = 'x'.repeat(1024);
    let sent = 0;
    const more = () => {
      while (sent < 64 && req.write(chunk)) sent++;
      if (sent < 64) req.once('drain', more);
      else req.end();
    };
    more();
  });
  assert.equal(status, 413);
});

test('web.token_file: missing or too short is a config error that names the key, never the content', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-web-'));
  try {
    const log = createLogger('silent');
    const services = { status: () => { throw new Error('unused'); } };
    assert.throws(() => new WebServer(webConfig({ token_file: join(dir, 'absent') }), services, log), (e: unknown) => e instanceof ConfigError && /web\.token_file/.test(e.message));
    writeFileSync(join(dir, 'short'), 'abc123');
    assert.throws(() => new WebServer(webConfig({ token_file: join(dir, 'short') }), services, log), (e: unknown) => e instanceof ConfigError && /at least 16/.test(e.message) && !e.message.includes('abc123'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('web.bind: "" is off, a bare port means loopback, anything else must be host:port', () => {
  assert.equal(webConfig({ bind: '' }).bind, '');
  assert.equal(webConfig({ bind: 8080 }).bind, '127.0.0.1:8080');
  assert.equal(webConfig({ bind: '8080' }).bind, '127.0.0.1:8080');
  assert.equal(webConfig({ bind: '0.0.0.0:9000' }).bind, '0.0.0.0:9000');
  assert.throws(() => webConfig({ bind: 'localhost' }), /web\.bind: expected host:port/);
  assert.throws(() => webConfig({ bind: 70000 }), /web\.bind: expected a port/);
});
