// Regression tests for the control-socket attacks of issue 10 (items 4, 5, 6): each failed
// against the server before it bounded connections, requests and replies.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer, type ControlLimits } from '../../src/control/server';
import { callControl } from '../../src/control/client';
import { HANDLERS } from '../../src/control/handlers';
import type { ControlHandler, GatewayStatus } from '../../src/control/protocol';
import { createLogger } from '../../src/util/log';
import { until } from '../helpers/processes';

const logger = createLogger('silent');

function statusWith(extra: Partial<GatewayStatus> = {}): GatewayStatus {
  return {
    version: '0.1.0', gateway: 'pi-test', pid: process.pid, startedAt: new Date().toISOString(), uptimeS: 1,
    seq: '1', readings: { total: 0, perSecond: 0 }, drops: {}, adapters: [], sinks: [], alarms: [], ...extra,
  };
}

/** A started server on a fresh socket path; stopped and removed when the test ends. */
async function serve(
  t: TestContext,
  limits: Partial<ControlLimits>,
  status: () => GatewayStatus = () => statusWith(),
  handlers: Record<string, ControlHandler> = HANDLERS,
): Promise<{ path: string; server: ControlServer }> {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-ctl-limits-'));
  const path = join(dir, 'control.sock');
  const server = new ControlServer(path, { status }, logger, limits, handlers);
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  return { path, server };
}

/** A raw client socket, destroyed when the test ends. */
function connect(t: TestContext, path: string): Promise<Socket> {
  const s = createConnection(path);
  s.on('error', () => undefined);
  t.after(() => s.destroy());
  return new Promise((resolve) => s.once('connect', () => resolve(s)));
}

const closed = (s: Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));
const fdCount = (): number => readdirSync('/proc/self/fd').length;
const ping = async (path: string): Promise<boolean> => ((await callControl(path, 'ping', {}, 5000)) as { pong: boolean }).pong;

/** Handlers plus `hang`, which keeps its connection busy until the test releases it. */
function hangingHandlers(t: TestContext): { handlers: Record<string, ControlHandler>; calls: () => number } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  t.after(() => release());
  let calls = 0;
  const hang: ControlHandler = async () => {
    calls++;
    await gate;
    return null;
  };
  return { handlers: { ...HANDLERS, hang }, calls: () => calls };
}

test('refused connections (all slots busy) are destroyed: no descriptor left behind', async (t) => {
  const { handlers, calls } = hangingHandlers(t);
  const { path, server } = await serve(t, { maxConnections: 2 }, undefined, handlers);
  for (let i = 0; i < 2; i++) (await connect(t, path)).write('{"cmd":"hang"}\n');
  await until('both slots busy', () => calls() === 2, 10_000);
  const before = fdCount();
  const refusals = 20;
  for (let i = 0; i < refusals; i++) {
    await assert.rejects(callControl(path, 'status', {}, 5000), /too many control connections/);
  }
  // Each refused client has closed its end; the server's end must go too.
  await until('server-side sockets of refused clients closed', () => fdCount() <= before, 5000);
  assert.equal(server.status().drops.refused, refusals);
  assert.equal(server.connections, 2, 'the busy connections are untouched');
});

test('idle connections cannot keep a newcomer out: the stalest is evicted', async (t) => {
  const { path, server } = await serve(t, { maxConnections: 4 });
  const silent: Socket[] = [];
  for (let i = 0; i < 4; i++) silent.push(await connect(t, path));
  await until('4 connections registered', () => server.connections === 4, 5000);
  assert.equal(await ping(path), true);
  await closed(silent[0]);
  assert.equal(server.status().drops.evicted, 1);
  assert.ok(silent.slice(1).every((s) => !s.destroyed), 'only the stalest one went');
});

test('a client trickling one byte at a time is cut off by an absolute request deadline', async (t) => {
  const requestMs = 400;
  const { path, server } = await serve(t, { maxConnections: 4, requestMs });
  const trickling: Socket[] = [];
  for (let i = 0; i < 4; i++) trickling.push(await connect(t, path));
  const timer = setInterval(() => trickling.forEach((s) => s.destroyed || s.write('{')), requestMs / 8);
  t.after(() => clearInterval(timer));
  await until('trickling clients closed by the server', () => trickling.every((s) => s.destroyed), 5000);
  assert.equal(server.status().drops.timed_out, 4);
  assert.equal(await ping(path), true);
});

test('a connection open past its absolute lifetime is closed, even while busy', async (t) => {
  const { handlers, calls } = hangingHandlers(t);
  const { path, server } = await serve(t, { connectionMs: 300 }, undefined, handlers);
  const s = await connect(t, path);
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (c: string) => (got += c));
  s.write('{"cmd":"hang"}\n');
  await until('request being answered', () => calls() === 1, 5000);
  await closed(s);
  assert.match(got, /connection open longer than 300 ms/);
  assert.equal(server.status().drops.timed_out, 1);
});

test('a client that sends requests and never reads is paused, then dropped; replies stay bounded', async (t) => {
  const replyPad = 50_000; // under the default reply bound
  let answered = 0;
  const status = (): GatewayStatus => {
    answered++;
    return statusWith({ alarms: ['x'.repeat(replyPad)] });
  };
  const { path, server } = await serve(t, { writeStallMs: 300, ratePerSecond: 1e6, rateBurst: 1e6, maxPending: 1e6 }, status);
  const s = await connect(t, path);
  s.pause(); // never reads
  const req = '{"cmd":"status"}\n'.repeat(64);
  const pushMore = (): void => {
    while (!s.destroyed && s.write(req));
  };
  s.on('drain', pushMore);
  pushMore();
  await until('never-reading client dropped by the server', () => s.destroyed, 10_000);
  assert.equal(server.status().drops.slow_reader, 1);
  // Without backpressure every request would be answered into memory; with it, at most what
  // the kernel's socket buffers hold plus the one reply waiting to drain.
  const wmem = Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));
  const bound = Math.ceil((2 * wmem) / replyPad) + 2;
  assert.ok(answered <= bound, `answered ${answered} replies into a client that reads none (bound ${bound})`);
  assert.equal(await ping(path), true);
});

test('more requests per second than allowed closes the connection with a reason', async (t) => {
  const { path, server } = await serve(t, { ratePerSecond: 5, rateBurst: 5 });
  const s = await connect(t, path);
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (c: string) => (got += c));
  s.write('{"cmd":"ping"}\n'.repeat(20));
  await closed(s);
  assert.match(got, /more than 5 requests per second/);
  assert.equal(server.status().drops.rate_limited, 1);
  assert.equal(await ping(path), true, 'a new connection gets a fresh allowance');
});

test('an over-long request is counted as too_large', async (t) => {
  const { path, server } = await serve(t, { maxLineBytes: 1024 });
  const s = await connect(t, path);
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (c: string) => (got += c));
  s.write('{"cmd":"' + 'x'.repeat(5000));
  await closed(s);
  assert.match(got, /request longer than 1024 bytes/);
  assert.equal(server.status().drops.too_large, 1);
});

test('a status reply past the byte bound is trimmed to top-N lists and says so', async (t) => {
  const maxReplyBytes = 64 * 1024;
  const forwarders = Array.from({ length: 3000 }, (_, i) => ({ gatewayEui: i.toString(16).padStart(16, '0'), remote: '10.0.0.1:1700', pushData: i }));
  const adapter = { name: 'udp0', kind: 'semtech-udp', state: 'running' as const, received: 1, drops: {}, forwarders };
  const { path, server } = await serve(t, { maxReplyBytes }, () => statusWith({ adapters: [adapter] }));
  const s = await connect(t, path);
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (c: string) => (got += c));
  s.write('{"id":3,"cmd":"status"}\n');
  await until('reply line', () => got.includes('\n'), 5000);
  const line = got.slice(0, got.indexOf('\n'));
  assert.ok(Buffer.byteLength(line) <= maxReplyBytes, `reply of ${Buffer.byteLength(line)} bytes`);
  const res = JSON.parse(line) as { id: number; ok: boolean; result: GatewayStatus; trimmed: { path: string; kept: number; omitted: number }[] };
  assert.equal(res.ok, true);
  const kept = (res.result.adapters[0] as unknown as { forwarders: unknown[] }).forwarders.length;
  assert.ok(kept > 0 && kept < forwarders.length);
  assert.deepEqual(res.trimmed, [{ path: '$.adapters[0].forwarders', kept, omitted: forwarders.length - kept }]);
  assert.deepEqual(res.result.adapters[0].name, 'udp0', 'records keep their fields');
  assert.equal(server.status().trimmedReplies, 1);
  let heard: unknown;
  await callControl(path, 'status', {}, 5000, (t) => (heard = t));
  assert.deepEqual(heard, res.trimmed, 'the client hears what was cut');
});

test('a reply that cannot be trimmed under the bound becomes an error, counted', async (t) => {
  const { path, server } = await serve(t, { maxReplyBytes: 4096 }, () => statusWith({ gateway: 'g'.repeat(10_000) }));
  await assert.rejects(callControl(path, 'status', {}, 5000), /reply larger than 4096 bytes/);
  assert.equal(server.status().drops.too_large, 1);
});

test('the control server counts what it cut off (the gateway shows it as status.control)', async (t) => {
  const { path, server } = await serve(t, { maxLineBytes: 64 });
  const s = await connect(t, path);
  s.resume();
  s.write('x'.repeat(100));
  await closed(s);
  await callControl(path, 'status', {}, 5000);
  assert.deepEqual(server.status(), { connections: 1, maxConnections: 16, drops: { too_large: 1 }, trimmedReplies: 0 });
});

test('a result JSON cannot carry (a bigint) is an error reply, not a crash', async (t) => {
  const { path } = await serve(t, {}, undefined, { ...HANDLERS, big: () => ({ seq: 1n }) });
  await assert.rejects(callControl(path, 'big', {}, 5000), /reply not serialisable/);
  assert.equal(await ping(path), true);
});
