import { access } from 'node:fs';
import { SerialPort } from 'serialport';
import { nowUs, type Reading } from '../../core/reading';
import type { Logger } from '../../util/log';
import { RateLimitedLog } from '../../util/log';
import { DropCounter, type AdapterState, type AdapterStatus, type RadioAdapter, type ReadingSink } from '../adapter';
import { candidatePorts, findModemPort } from './autodetect';
import { LineSplitter } from './line-splitter';
import type { DriverAction, ModemDriver, ModemProfile, RadioSettings } from './modem-driver';

const PRESENCE_CHECK_MS = 2000;

/** Settings of one serial modem (config `lora[]` after `port: auto` was resolved). */
export interface SerialModemOptions {
  name: string;
  port: string;
  baud?: number;
  radio: RadioSettings;
  /** Longest line accepted from the modem. */
  maxLineLength?: number;
  /** Ports to probe for `port: auto` (default: /dev/serial/by-id/*, ttyUSB*, ttyACM*). */
  candidates?: () => string[];
  /** Reopen backoff bounds. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Receive liveness bound (config `lora[].liveness_s`): see `CommandTiming.livenessMs`. */
  livenessMs?: number;
}

/**
 * Owns one serial port for any modem family: opens it, splits lines, runs the family's pure
 * driver, keeps its one timer, and reopens the port with exponential backoff when it goes away
 * (unplugged USB) or the driver finds the modem deaf and silent, all without restarting the
 * daemon. The backoff restarts from its minimum only once the modem receives again.
 */
export class SerialModemAdapter implements RadioAdapter {
  readonly name: string;
  private port: SerialPort | undefined;
  private driver: ModemDriver | undefined;
  private readonly lines: LineSplitter;
  private timer: NodeJS.Timeout | undefined;
  private presence: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private emit: ReadingSink | undefined;
  private stopping = false;
  private state: AdapterState = 'stopped';
  private detail: string | undefined;
  private lastHeardUs: number | undefined;
  private received = 0;
  private readonly drops = new DropCounter();
  private readonly rl: RateLimitedLog;

  constructor(
    private readonly opts: SerialModemOptions,
    private readonly profile: ModemProfile,
    private readonly log: Logger,
  ) {
    this.name = opts.name;
    this.lines = new LineSplitter(opts.maxLineLength ?? 1024);
    this.backoffMs = opts.backoffMinMs ?? 250;
    this.rl = new RateLimitedLog(log.child({ adapter: opts.name }), 60_000);
  }

  async start(emit: ReadingSink): Promise<void> {
    this.emit = emit;
    this.stopping = false;
    this.state = 'starting';
    this.open();
  }

  /** Ports claimed by auto-detecting adapters in this process, so two adapters never share one. */
  private static readonly claimed = new Set<string>();
  private path: string | undefined;

  private open(): void {
    if (this.stopping) return;
    if (this.opts.port !== 'auto') return this.openPath(this.opts.port);
    const exclude = new Set(SerialModemAdapter.claimed);
    findModemPort(this.profile, { candidates: (this.opts.candidates ?? candidatePorts)(), exclude, baud: this.opts.baud }).then(
      (found) => {
        if (this.stopping) return;
        if (!found) return this.retry(`no ${this.profile.names[0]} answered on any serial port`, 'no modem found (port: auto); retrying');
        SerialModemAdapter.claimed.add(found);
        this.log.info({ adapter: this.name, port: found, modem: this.profile.names[0] }, 'modem found (port: auto)');
        this.openPath(found);
      },
      (err: Error) => this.retry(err.message, 'no modem found (port: auto); retrying'),
    );
  }

  private openPath(path: string): void {
    this.path = path;
    const port = new SerialPort({ path, baudRate: this.opts.baud ?? this.profile.defaultBaud, autoOpen: false });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (err) => this.onPortGone(port, err));
    port.on('close', (err?: Error) => this.onPortGone(port, err));
    port.open((err) => {
      if (err) return this.onPortGone(port, err);
      if (this.stopping) return void port.close(() => undefined);
      this.rl.reset('port');
      this.watchPresence(port, path);
      this.log.info({ adapter: this.name, port: path, modem: this.profile.names[0] }, 'serial port open');
      this.lines.reset();
      if (this.state !== 'deaf') {
        this.state = 'starting';
        this.detail = `initialising on ${path}`;
      }
      this.driver = this.profile.createDriver(this.opts.radio, this.opts.livenessMs === undefined ? {} : { livenessMs: this.opts.livenessMs });
      this.run(this.driver.start());
    });
  }

  /**
   * The port's `close` event is the normal unplug signal, but a receive-only modem never
   * writes, and a hang-up the poller missed would then go unnoticed for ever; the device node
   * disappearing (USB unplugged, pty gone) is checked every few seconds as a backstop.
   */
  private watchPresence(port: SerialPort, path: string): void {
    if (this.presence) clearInterval(this.presence);
    this.presence = setInterval(() => {
      access(path, (err) => {
        if (err && port === this.port) this.onPortGone(port, new Error('device disappeared'));
      });
    }, PRESENCE_CHECK_MS);
    this.presence.unref();
  }

  private onPortGone(port: SerialPort, err?: Error | null): void {
    if (port !== this.port) return; // a late event of a port we already gave up
    this.release(port);
    if (this.stopping) return;
    this.state = 'reconnecting';
    this.retry(`${this.path}: ${err?.message ?? 'closed'}`, 'serial port lost; reopening');
  }

  /** The driver found the modem silent through a re-initialisation: a fresh open may reset the bridge or the modem. */
  private reopen(reason: string): void {
    const port = this.port;
    if (!port) return;
    this.release(port);
    if (this.stopping) return;
    if (this.state !== 'deaf') this.state = 'reconnecting';
    this.retry(`${this.path}: ${reason}`, 'modem not answering; reopening its port');
  }

  private release(port: SerialPort): void {
    this.port = undefined;
    this.driver = undefined;
    this.clearTimer();
    if (this.presence) clearInterval(this.presence);
    this.presence = undefined;
    port.removeAllListeners('data');
    if (port.isOpen) port.close(() => undefined);
    // An auto-detected port may come back under another name: detect again.
    if (this.opts.port === 'auto' && this.path) SerialModemAdapter.claimed.delete(this.path);
  }

  /** Open again after a backoff; a deaf adapter stays `deaf` meanwhile, any other becomes `reconnecting`. */
  private retry(reason: string, msg: string): void {
    if (this.state !== 'deaf') this.state = 'reconnecting';
    this.detail = reason;
    this.rl.warn('port', { adapter: this.name, port: this.opts.port === 'auto' ? `auto (${this.path ?? 'none yet'})` : this.opts.port, err: reason, retryMs: this.backoffMs }, msg);
    const delay = this.backoffMs * (0.8 + Math.random() * 0.4);
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.backoffMaxMs ?? 30_000);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      this.open();
    }, delay);
  }

  private onData(chunk: Buffer): void {
    const before = this.lines.overlong;
    const discarded = this.lines.discardedBytes;
    const lines = this.lines.push(chunk);
    for (const line of lines) {
      if (!this.driver) return;
      this.run(this.driver.onLine(line));
    }
    if (this.lines.overlong !== before) {
      this.drops.count('line_too_long', this.lines.overlong - before);
      this.rl.warn('overlong', { adapter: this.name }, 'over-long line from modem discarded');
    }
    // Told on every chunk of an over-long line, not just its start: the line is busy as long as
    // it lasts (answers queue behind it), and its end may have swallowed a packet line.
    if (this.lines.discardedBytes !== discarded && this.driver) this.run(this.driver.onLineLost());
  }

  private run(actions: DriverAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'write':
          this.port?.write(a.line + this.profile.eol);
          break;
        case 'timer':
          this.clearTimer();
          if (a.ms > 0) {
            this.timer = setTimeout(() => {
              this.timer = undefined;
              if (this.driver) this.run(this.driver.onTimeout());
            }, a.ms);
          }
          break;
        case 'state':
          if (a.state === 'receiving') {
            if (this.state !== 'running') this.log.info({ adapter: this.name }, 'modem receiving');
            this.state = 'running';
            this.detail = `receiving on ${this.path}`;
            this.backoffMs = this.opts.backoffMinMs ?? 250;
            this.rl.reset('modem');
            this.rl.reset('deaf');
          } else if (a.state === 'deaf') {
            this.state = 'deaf';
            this.detail = a.detail;
            this.rl.warn('deaf', { adapter: this.name, detail: a.detail }, 'modem deaf; re-arming');
          } else if (this.state === 'deaf') {
            // Recovery steps of a deaf modem: it stays deaf until it receives again.
            if (a.detail) this.detail = a.detail;
          } else if (a.state === 'error') {
            this.state = 'degraded';
            this.detail = a.detail;
            this.rl.warn('modem', { adapter: this.name, detail: a.detail }, 'modem error; re-initialising');
          } else {
            this.state = 'starting';
          }
          break;
        case 'reopen':
          this.reopen(a.reason);
          return; // the driver is gone with its port
        case 'drop':
          this.drops.count(a.cause);
          this.rl.warn(`drop:${a.cause}`, { adapter: this.name, cause: a.cause, detail: a.detail?.slice(0, 80) }, 'modem line dropped');
          break;
        case 'packet': {
          const t = nowUs();
          this.lastHeardUs = t;
          this.received++;
          const p = a.packet;
          const r: Reading = { radio: 'lora', device: 'raw', src: this.name, raw: p.raw, timeUs: t, rssi: p.rssi, snr: p.snr, freq: p.freq, dr: p.dr };
          this.emit?.(r);
          break;
        }
      }
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.clearTimer();
    if (this.presence) clearInterval(this.presence);
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    const port = this.port;
    this.port = undefined;
    this.state = 'stopped';
    if (this.opts.port === 'auto' && this.path) SerialModemAdapter.claimed.delete(this.path);
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  status(): AdapterStatus {
    return {
      name: this.name,
      kind: this.profile.names[0],
      state: this.state,
      detail: this.detail,
      lastHeardUs: this.lastHeardUs,
      received: this.received,
      drops: { ...this.drops.byCause },
    };
  }
}
