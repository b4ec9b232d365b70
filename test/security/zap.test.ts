import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Context, XPublisher, curveKeyPair } from 'zeromq';
import pino from 'pino';
import { Writable } from 'node:stream';
import { applyCurve, decideZap, startZap } from '../../src/security/zap';
import { z85Decode } from '../../src/security/z85';

/** A pyzmq subscriber: prints "ready", then each received topic; exits on topic "end" or after 20 s. */
const SUB_PY = `
import os, sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.SUB)
if os.environ.get('SERVER_KEY'):
    s.curve_secretkey = os.environ['CLIENT_SECRET'].encode()
    s.curve_publickey = os.environ['CLIENT_PUBLIC'].encode()
    s.curve_serverkey = os.environ['SERVER_KEY'].encode()
s.setsockopt(zmq.SUBSCRIBE, b'')
s.setsockopt(zmq.LINGER, 0)
s.connect(sys.argv[1])
print('ready', flush=True)
p = zmq.Poller(); p.register(s, zmq.POLLIN)
import time
deadline = time.time() + 20
while time.time() < deadline:
    if p.poll(200):
        t = s.recv_multipart()[0].decode()
        print(t, flush=True)
        if t == 'end': break
`;

interface PySub {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function pySub(endpoint: string, env: Record<string, string>): PySub {
  const proc = spawn('/usr/bin/python3', ['-c', SUB_PY, endpoint], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, lines, exited };
}

async function until(cond: () => boolean, what: string | (() => string), timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function memLogger(): { logger: pino.Logger; lines: () => string[] } {
  const lines: string[] = [];
  const dest = new Writable({ write(chunk, _e, cb) { lines.push(chunk.toString()); cb(); } });
  return { logger: pino({ level: 'debug' }, dest), lines: () => lines };
}

test('decideZap: CURVE + allowed key → 200, unknown key / NULL / PLAIN / malformed refused', () => {
  const allowedPair = curveKeyPair();
  const allow = new Set([allowedPair.publicKey]);
  const req = (mech: string, ...cred: Buffer[]) => [Buffer.from('1.0'), Buffer.from('1'), Buffer.from('lowband'), Buffer.from('127.0.0.1'), Buffer.alloc(0), Buffer.from(mech), ...cred];
  assert.equal(decideZap(req('CURVE', z85Decode(allowedPair.publicKey)), allow).status, '200');
  assert.equal(decideZap(req('CURVE', z85Decode(allowedPair.publicKey)), allow).userId, allowedPair.publicKey);
  const other = curveKeyPair().publicKey;
  const d = decideZap(req('CURVE', z85Decode(other)), allow);
  assert.equal(d.status, '400');
  assert.equal(d.clientKey, other);
  assert.equal(decideZap(req('NULL'), allow).status, '400');
  assert.equal(decideZap(req('PLAIN', Buffer.from('u'), Buffer.from('p')), allow).status, '400');
  assert.equal(decideZap(req('CURVE', Buffer.alloc(5)), allow).status, '500');
  assert.equal(decideZap([Buffer.from('2.0')], allow).status, '500');
});

test('XPUB as CURVE server with ZAP: allowed pyzmq client receives, unknown key and plain client get nothing', { timeout: 30_000 }, async () => {
  const server = curveKeyPair();
  const good = curveKeyPair();
  const bad = curveKeyPair();
  const context = new Context();
  const { logger, lines: logLines } = memLogger();
  const zap = await startZap([good.publicKey], logger, context);
  const xpub = new XPublisher({ context, linger: 0 });
  applyCurve(xpub, 'server', { secretKey: server.secretKey });
  await xpub.bind('tcp://127.0.0.1:0');
  const endpoint = xpub.lastEndpoint!;

  // One reader of the event stream: zeromq.js observers deliver each event once.
  const events: { type: string; status?: number }[] = [];
  const eventLoop = (async () => {
    for await (const e of xpub.events) {
      events.push({ type: e.type, status: e.type === 'handshake:error:auth' ? e.error.status : undefined });
    }
  })().catch(() => {});
  const seen = () => events.map((e) => e.type + (e.status ? `(${e.status})` : '')).join(',');

  let subscribed = false;
  const subLoop = (async () => {
    for (;;) {
      try {
        const [m] = await xpub.receive();
        if (m[0] === 1) subscribed = true;
      } catch {
        return;
      }
    }
  })();

  const subs: PySub[] = [];
  try {
    const okSub = pySub(endpoint, { SERVER_KEY: server.publicKey, CLIENT_PUBLIC: good.publicKey, CLIENT_SECRET: good.secretKey });
    const badSub = pySub(endpoint, { SERVER_KEY: server.publicKey, CLIENT_PUBLIC: bad.publicKey, CLIENT_SECRET: bad.secretKey });
    const plainSub = pySub(endpoint, {});
    subs.push(okSub, badSub, plainSub);

    await until(() => subscribed, 'the allowed subscriber to subscribe');
    await until(() => zap.refused() >= 1 && events.some((e) => e.status === 400), () => `the unknown key to be refused by ZAP (refused=${zap.refused()} events=${seen()})`);
    await until(() => events.some((e) => e.type === 'handshake:error:protocol' || e.type === 'handshake:error:other'), () => `the plain client handshake to fail (events=${seen()})`);
    assert.ok(zap.allowed() >= 1);

    for (let i = 0; i < 50; i++) await xpub.send([`ble/dev${i}`, 'x']);
    await xpub.send(['end', 'x']);
    assert.equal(await okSub.exited, 0);
    assert.equal(okSub.lines.filter((l) => l.startsWith('ble/')).length, 50);
    assert.equal(okSub.lines.at(-1), 'end');

    // The others were connecting the whole time: a fan-out would have reached them with the first.
    badSub.proc.kill();
    plainSub.proc.kill();
    await Promise.all([badSub.exited, plainSub.exited]);
    assert.deepEqual(badSub.lines, ['ready']);
    assert.deepEqual(plainSub.lines, ['ready']);

    const refusedLog = logLines().filter((l) => l.includes('ZAP: client refused'));
    assert.ok(refusedLog.length >= 1);
    assert.ok(refusedLog[0].includes(bad.publicKey), 'refusal logged with the client public key');
    assert.ok(refusedLog[0].includes('127.0.0.1'), 'and its address');
    assert.ok(!logLines().join('').includes(bad.secretKey) && !logLines().join('').includes(server.secretKey));
    // Rate-limited: one line per key+address however often it retries.
    assert.equal(refusedLog.filter((l) => l.includes(bad.publicKey)).length, 1);
  } finally {
    for (const s of subs) s.proc.kill();
    xpub.close();
    await subLoop;
    await eventLoop;
    await zap.stop();
  }
});

test('startZap refuses a second handler in the same context with a clear error', async () => {
  const context = new Context();
  const { logger } = memLogger();
  const zap = await startZap([], logger, context);
  try {
    await assert.rejects(startZap([], logger, context), /cannot start the ZAP handler on inproc:\/\/zeromq\.zap\.01/);
  } finally {
    await zap.stop();
  }
});

test('default context: startZap() without a context protects sockets created without one', { timeout: 20_000 }, async () => {
  const { Subscriber } = await import('zeromq');
  const server = curveKeyPair();
  const good = curveKeyPair();
  const bad = curveKeyPair();
  const { logger } = memLogger();
  const zap = await startZap([good.publicKey], logger);
  const xpub = new XPublisher({ linger: 0 });
  applyCurve(xpub, 'server', { secretKey: server.secretKey });
  await xpub.bind('tcp://127.0.0.1:0');
  const ok = new Subscriber({ linger: 0 });
  const ko = new Subscriber({ linger: 0 });
  applyCurve(ok, 'client', { ...good, serverKey: server.publicKey });
  applyCurve(ko, 'client', { ...bad, serverKey: server.publicKey });
  try {
    ok.subscribe();
    ko.subscribe();
    ok.connect(xpub.lastEndpoint!);
    ko.connect(xpub.lastEndpoint!);
    await until(() => zap.allowed() >= 1 && zap.refused() >= 1, () => `ZAP decisions (allowed=${zap.allowed()} refused=${zap.refused()})`);
    // The allowed subscriber's subscription reaches the XPUB; publish until it gets one.
    let got: Buffer[] | undefined;
    const recv = ok.receive().then((m) => (got = m));
    await until(() => {
      if (!got) void xpub.send(['ble/x', 'hello']).catch(() => {});
      return got !== undefined;
    }, 'allowed subscriber receives');
    await recv;
    assert.equal(got![0].toString(), 'ble/x');
  } finally {
    ok.close();
    ko.close();
    xpub.close();
    await zap.stop();
  }
});
