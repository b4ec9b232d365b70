import { SerialPort } from 'serialport';
import { LineSplitter } from '../../src/radios/lora/line-splitter';
import { createEmulatorCore, type ModemEmulatorCore } from './modems';
import { openPtyPair, type PtyPair } from './pty';

/** Which modem to play and how. */
export interface ModemEmulatorOptions {
  modem: 'rn2483' | 'rn2903' | 'rak3172' | 'wio-e5';
  /** Directory for the pty links. */
  dir: string;
  name?: string;
  oldFirmware?: boolean;
}

/**
 * A LoRa modem on a pseudo-terminal: the vendor firmware's line protocol (from the pure
 * emulator core) behind a real tty, so the gateway's serialport code path is the production one.
 * It can hear packets, spew garbage and over-long lines, and be unplugged and plugged back.
 */
export class ModemEmulator {
  readonly core: ModemEmulatorCore;
  private pty: PtyPair | undefined;
  private port: SerialPort | undefined;
  private readonly lines = new LineSplitter(4096);
  private timer: NodeJS.Timeout | undefined;
  /** Lines received from the host, for tests. */
  readonly commands: string[] = [];
  private armedWaiters: (() => void)[] = [];
  /** A wedged modem: hears nothing, answers nothing (see `mute`). */
  private muted = false;

  constructor(private readonly opts: ModemEmulatorOptions) {
    this.core = createEmulatorCore(opts.modem, { oldFirmware: opts.oldFirmware });
  }

  /** The path the gateway should open. */
  get hostPath(): string {
    if (!this.pty) throw new Error('emulator not started');
    return this.pty.hostPath;
  }

  async start(): Promise<void> {
    this.pty = await openPtyPair(this.opts.dir, this.opts.name ?? this.opts.modem);
    await this.attach();
  }

  private async attach(): Promise<void> {
    const port = new SerialPort({ path: this.pty!.devicePath, baudRate: this.core.baud, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    this.port = port;
    port.on('error', () => undefined);
    port.on('data', (chunk: Buffer) => {
      for (const line of this.lines.push(chunk)) {
        if (this.muted) continue;
        this.commands.push(line);
        if (this.commands.length > 1000) this.commands.splice(0, 500);
        this.write(this.core.onCommand(line));
        if (this.core.receiving) this.wakeArmed();
      }
    });
  }

  private write(lines: string[]): void {
    if (lines.length > 0 && this.port?.isOpen) this.port.write(lines.map((l) => l + this.core.eol).join(''));
  }

  private wakeArmed(): void {
    const w = this.armedWaiters;
    this.armedWaiters = [];
    for (const f of w) f();
  }

  /** Resolves once the host has armed continuous receive (init done). */
  whenReceiving(): Promise<void> {
    if (this.core.receiving) return Promise.resolve();
    return new Promise((resolve) => this.armedWaiters.push(resolve));
  }

  /** The radio hears one packet; returns false when receive was not armed (lost, as on air). */
  hear(payload: Buffer, rssi = -60, snr = 7.5): boolean {
    if (this.muted) return false;
    const lines = this.core.hear(payload, rssi, snr);
    this.write(lines);
    return lines.length > 0;
  }

  /** Wedge the modem (`true`): it neither answers commands nor hears packets until unmuted. */
  mute(on: boolean): void {
    this.muted = on;
  }

  /** Receive goes off without a word: deaf until the host re-arms it. */
  deafen(): void {
    this.core.deafen();
  }

  /** Resolves once everything written so far has left for the tty. */
  flush(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.drain(() => resolve()));
  }

  /** Hear `make(i)` every `intervalMs`. */
  stream(intervalMs: number, make: (i: number) => Buffer, opts: { untilHeard?: boolean } = {}): void {
    let i = 0;
    this.stopStream();
    // untilHeard: a packet sent while receive is off is sent again on the next tick, so the
    // host sees the sequence in order however slowly it re-arms (a sender that waits for
    // a listening gateway, for tests that check the sequence rather than receive liveness).
    this.timer = setInterval(() => {
      if (this.hear(make(i)) || !opts.untilHeard) i++;
    }, intervalMs);
  }

  stopStream(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Raw bytes as if from electrical noise or a wrong baud rate. */
  injectGarbage(bytes: Buffer): void {
    this.port?.write(bytes);
  }

  /** A line of `n` bytes that ends much later than any real line (or never, with `eol: false`). */
  injectLongLine(n: number, eol = true): void {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    for (let left = n; left > 0; left -= chunk.length) this.port?.write(chunk.subarray(0, Math.min(left, chunk.length)));
    if (eol) this.port?.write(this.core.eol);
  }

  /** Pull the USB plug: the tty disappears; the modem loses power (state reset). */
  async unplug(): Promise<void> {
    this.stopStream();
    const port = this.port;
    this.port = undefined;
    await this.pty?.unplug();
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    this.core.reset();
    this.lines.reset();
  }

  async replug(): Promise<void> {
    await this.pty?.replug();
    await this.attach();
  }

  async stop(): Promise<void> {
    this.stopStream();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    await this.pty?.close();
  }
}
