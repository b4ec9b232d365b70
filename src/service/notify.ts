import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/**
 * systemd readiness/watchdog notifications (sd_notify protocol) from Node.
 *
 * Node cannot open unix *datagram* sockets, which is what $NOTIFY_SOCKET is. Options weighed:
 * - spawning `systemd-notify` per message: the sender exits at once, and PID 1 attributes a
 *   datagram to the unit by looking up the sender's cgroup; when the sender is already gone the
 *   message is dropped or misattributed (documented race; `--pid` only helps when root, because
 *   faking SCM_CREDENTIALS needs CAP_SYS_ADMIN). Bad for a watchdog that must never miss.
 * - a native addon: a compiler on every Pi (and no prebuild for armv7), for ~20 lines of C.
 * - a long-lived helper child that stays in our cgroup and forwards lines as datagrams: it is
 *   alive when PID 1 reads each datagram, so attribution is reliable, and it needs nothing
 *   beyond python3, which Raspberry Pi OS (Lite too) ships. Requires `NotifyAccess=all`.
 * We use the helper and fall back to `systemd-notify` per message when python3 is missing.
 * Messages are written as one JSON string per line so multi-line datagrams stay whole.
 */

/** Sends one notify datagram (`KEY=VALUE` lines). */
export interface NotifyTransport {
  send(datagram: string): void;
  close(): void;
}

/** Forwards datagrams through a python3 child that lives as long as we do. */
const PY_FORWARDER = [
  'import json, socket, sys',
  'a = sys.argv[1]',
  "a = '\\0' + a[1:] if a.startswith('@') else a",
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  'for line in sys.stdin:',
  '    try:',
  '        s.sendto(json.loads(line).encode(), a)',
  '    except Exception as e:',
  "        sys.stderr.write('notify: %s\\n' % e); sys.stderr.flush()",
].join('\n');

/** The python3 helper transport; respawns the child (at most every 5 s) if it died. */
export class ForwarderTransport implements NotifyTransport {
  private child?: ChildProcess;
  private lastSpawn = 0;
  constructor(
    private readonly socketPath: string,
    private readonly python = '/usr/bin/python3',
    private readonly onError: (msg: string) => void = () => undefined,
  ) {}

  send(datagram: string): void {
    const c = this.ensure();
    if (c?.stdin?.writable) c.stdin.write(JSON.stringify(datagram) + '\n');
  }

  close(): void {
    const c = this.child;
    this.child = undefined;
    if (c) {
      c.stdin?.end();
      // The child exits when stdin closes; a kill is only for a helper that hangs.
      if (c.exitCode === null) c.kill('SIGTERM');
    }
  }

  private ensure(): ChildProcess | undefined {
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    const now = Date.now();
    if (now - this.lastSpawn < 5000 && this.lastSpawn !== 0) return undefined;
    this.lastSpawn = now;
    const c = spawn(this.python, ['-c', PY_FORWARDER, this.socketPath], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { PATH: '/usr/bin:/bin', PYTHONUNBUFFERED: '1' },
    });
    c.on('error', (err) => this.onError(`notify helper: ${err.message}`));
    c.stderr?.setEncoding('utf8').on('data', (d: string) => this.onError(d.trim()));
    c.stdin?.on('error', () => undefined);
    // The helper must never keep a finished gateway alive.
    c.unref();
    (c.stdin as unknown as { unref?: () => void })?.unref?.();
    (c.stderr as unknown as { unref?: () => void })?.unref?.();
    this.child = c;
    return c;
  }
}

/** Fallback: one `systemd-notify` process per message (racy attribution, see above). */
export class SystemdNotifyTransport implements NotifyTransport {
  constructor(
    private readonly socketPath: string,
    private readonly bin = 'systemd-notify',
  ) {}
  send(datagram: string): void {
    const args = datagram.split('\n').filter((l) => l.length > 0);
    const c = spawn(this.bin, args, { stdio: 'ignore', env: { NOTIFY_SOCKET: this.socketPath, PATH: '/usr/bin:/bin' } });
    c.on('error', () => undefined);
    c.unref();
  }
  close(): void {}
}

/** Picks the forwarder when python3 is installed, else systemd-notify. */
export function defaultTransport(socketPath: string, onError?: (msg: string) => void): NotifyTransport {
  try {
    accessSync('/usr/bin/python3', constants.X_OK);
    return new ForwarderTransport(socketPath, '/usr/bin/python3', onError);
  } catch {
    return new SystemdNotifyTransport(socketPath);
  }
}

/** Options for tests and unusual hosts. */
export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  transport?: (socketPath: string) => NotifyTransport;
  onError?: (msg: string) => void;
  /** Leave NOTIFY_SOCKET in the environment (by default it is removed so children do not inherit it). */
  keepEnv?: boolean;
}

/**
 * Tells systemd we are ready, alive, what we are doing and that we are stopping.
 * Every method does nothing when not started by systemd with Type=notify (no NOTIFY_SOCKET).
 */
export class ServiceNotifier {
  private readonly transport?: NotifyTransport;
  private readonly watchdogUsec?: number;
  private timer?: NodeJS.Timeout;

  constructor(opts: NotifierOptions = {}) {
    const env = opts.env ?? process.env;
    const path = env.NOTIFY_SOCKET;
    if (path && (path.startsWith('/') || path.startsWith('@'))) {
      this.transport = (opts.transport ?? ((p) => defaultTransport(p, opts.onError)))(path);
    }
    const usec = Number(env.WATCHDOG_USEC);
    const forPid = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
    if (this.transport && forPid && Number.isFinite(usec) && usec > 0) this.watchdogUsec = usec;
    if (!opts.keepEnv && env === process.env) {
      // Same as sd_notify's unset_environment: child processes must not talk for us.
      delete process.env.NOTIFY_SOCKET;
      delete process.env.WATCHDOG_USEC;
      delete process.env.WATCHDOG_PID;
    }
  }

  /** True when systemd is listening. */
  get enabled(): boolean {
    return this.transport !== undefined;
  }

  /** Watchdog ping interval in ms (half of WatchdogSec), or undefined when no watchdog is set. */
  get watchdogIntervalMs(): number | undefined {
    return this.watchdogUsec === undefined ? undefined : Math.max(1, Math.floor(this.watchdogUsec / 2000));
  }

  /** Startup finished: sockets bound, adapters started. */
  ready(status?: string): void {
    this.send(status === undefined ? 'READY=1' : `READY=1\nSTATUS=${oneLine(status)}`);
  }

  /** Free-text state shown by `systemctl status`. */
  status(text: string): void {
    this.send(`STATUS=${oneLine(text)}`);
  }

  /**
   * Starts pinging at half of WATCHDOG_USEC from the event loop. A blocked loop sends nothing,
   * and `healthy()` returning false (e.g. the pipeline stalled) withholds pings too, so systemd
   * restarts a gateway that is alive but not working.
   */
  watchdogStart(healthy: () => boolean = () => true): void {
    const ms = this.watchdogIntervalMs;
    if (ms === undefined || this.timer) return;
    const tick = (): void => {
      let ok = false;
      try {
        ok = healthy();
      } catch {
        ok = false;
      }
      if (ok) this.send('WATCHDOG=1');
    };
    tick();
    this.timer = setInterval(tick, ms);
    this.timer.unref();
  }

  /** Stops pinging (part of an orderly shutdown). */
  watchdogStop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Orderly shutdown began; stops the watchdog so a slow drain is not mistaken for a hang. */
  stopping(status?: string): void {
    this.watchdogStop();
    this.send(status === undefined ? 'STOPPING=1' : `STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  /** Releases the helper process. */
  close(): void {
    this.watchdogStop();
    this.transport?.close();
  }

  private send(datagram: string): void {
    this.transport?.send(datagram);
  }
}

/** STATUS= ends at a newline; keep a stray one from starting a bogus assignment. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 1024);
}
