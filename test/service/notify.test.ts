import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ServiceNotifier, SystemdNotifyTransport, type NotifyTransport } from '../../src/service/notify';

/** A stand-in for PID 1's notify socket: prints every datagram it receives as a JSON line. */
const LISTENER = `
import json, socket, sys
a = sys.argv[1]
a = '\\0' + a[1:] if a.startswith('@') else a
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(a)
print(json.dumps('LISTENING'), flush=True)
while True:
    d = s.recv(4096)
    print(json.dumps(d.decode()), flush=True)
`;

class FakeNotifySocket {
  readonly messages: string[] = [];
  private readonly proc: ChildProcess;
  private waiters: (() => void)[] = [];
  constructor(readonly address: string) {
    this.proc = spawn('/usr/bin/python3', ['-c', LISTENER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    this.proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.messages.push(JSON.parse(buf.slice(0, nl)) as string);
        buf = buf.slice(nl + 1);
      }
      const w = this.waiters;
      this.waiters = [];
      w.forEach((f) => f());
    });
  }
  /** Resolves when `pred(messages)` holds; fails after a generous timeout. */
  async until(pred: (m: string[]) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!pred(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }
  close(): void {
    this.proc.kill('SIGKILL');
  }
}

async function withListener(address: string, fn: (l: FakeNotifySocket) => Promise<void>): Promise<void> {
  const l = new FakeNotifySocket(address);
  try {
    await l.until((m) => m.includes('LISTENING'), 'listener');
    await fn(l);
  } finally {
    l.close();
  }
}

test('READY, STATUS, WATCHDOG and STOPPING reach a path NOTIFY_SOCKET', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-notify-'));
  const sock = join(dir, 'notify');
  try {
    await withListener(sock, async (l) => {
      const n = new ServiceNotifier({ env: { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid) } });
      try {
        assert.equal(n.enabled, true);
        assert.equal(n.watchdogIntervalMs, 100, 'pings at half the watchdog interval');
        n.ready('listening\non 2 adapters');
        n.watchdogStart();
        await l.until((m) => m.filter((x) => x === 'WATCHDOG=1').length >= 3, 'three watchdog pings');
        n.status('3 readings/s');
        n.stopping();
        await l.until((m) => m.includes('STOPPING=1'), 'STOPPING=1');
        assert.equal(l.messages[1], 'READY=1\nSTATUS=listening on 2 adapters', 'newline in status cannot inject a key');
        assert.ok(l.messages.includes('STATUS=3 readings/s'));
        const afterStop = l.messages.length;
        // stopping() stops the watchdog: a marker sent later is the next thing to arrive
        n.status('marker');
        await l.until((m) => m.includes('STATUS=marker'), 'marker');
        assert.deepEqual(l.messages.slice(afterStop), ['STATUS=marker']);
      } finally {
        n.close();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('abstract NOTIFY_SOCKET (@name) works', async () => {
  const addr = '@lowband-test-' + randomBytes(6).toString('hex');
  await withListener(addr, async (l) => {
    const n = new ServiceNotifier({ env: { NOTIFY_SOCKET: addr } });
    try {
      n.ready();
      await l.until((m) => m.includes('READY=1'), 'READY=1');
      assert.equal(n.watchdogIntervalMs, undefined, 'no WATCHDOG_USEC, no watchdog');
    } finally {
      n.close();
    }
  });
});

test('an unhealthy gateway withholds watchdog pings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-notify-'));
  const sock = join(dir, 'notify');
  try {
    await withListener(sock, async (l) => {
      const n = new ServiceNotifier({ env: { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '100000' } });
      let asked = 0;
      let healthy = false;
      let reached: () => void = () => undefined;
      const threeChecks = new Promise<void>((r) => (reached = r));
      try {
        n.watchdogStart(() => {
          asked++;
          if (asked === 3) reached();
          return healthy;
        });
        await threeChecks;
        n.status('checked');
        await l.until((m) => m.includes('STATUS=checked'), 'marker');
        assert.ok(!l.messages.includes('WATCHDOG=1'), `no ping while unhealthy: ${JSON.stringify(l.messages)}`);
        healthy = true;
        await l.until((m) => m.includes('WATCHDOG=1'), 'ping once healthy again');
      } finally {
        n.close();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without NOTIFY_SOCKET nothing is spawned or sent; WATCHDOG_PID of another process disables the watchdog', () => {
  let made = 0;
  const spy = (): NotifyTransport => {
    made++;
    return { send: () => undefined, close: () => undefined };
  };
  const off = new ServiceNotifier({ env: {}, transport: spy });
  off.ready();
  off.watchdogStart();
  off.stopping();
  assert.equal(off.enabled, false);
  assert.equal(made, 0);
  const other = new ServiceNotifier({ env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, transport: spy });
  assert.equal(other.watchdogIntervalMs, undefined);
  assert.equal(made, 1);
});

test('systemd-notify fallback delivers READY=1 too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-notify-'));
  const sock = join(dir, 'notify');
  try {
    await withListener(sock, async (l) => {
      const t = new SystemdNotifyTransport(sock, '/usr/bin/systemd-notify');
      t.send('READY=1\nSTATUS=fallback');
      await l.until((m) => m.some((x) => x.includes('READY=1')), 'READY=1 from systemd-notify');
      assert.ok(l.messages.some((x) => x.includes('STATUS=fallback')));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
