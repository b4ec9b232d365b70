import type { ModemEmulatorCore } from '../../../hardware/emulators/modems/index';
import type { DriverAction, ModemDriver, ModemPacket } from '../../../src/radios/lora/modem-driver';

/**
 * Wires a pure driver to a pure emulator core, as the serial adapter and the pty runner would:
 * every `write` goes to `core.onCommand`, every answer line back to `driver.onLine`, synchronously.
 * Records packets, drops, states and the one timer so tests can assert on them.
 */
export class ModemLoop {
  readonly packets: ModemPacket[] = [];
  readonly drops: { cause: string; detail?: string }[] = [];
  readonly states: { state: string; detail?: string }[] = [];
  readonly written: string[] = [];
  /** Reasons of `reopen` actions; each is played as the adapter would: a fresh `start()` (at once, the loop has no clock). */
  readonly reopened: string[] = [];
  /** Last `timer` action; 0 = cancelled. */
  timerMs = 0;
  /** Lines the "modem" sends are fed to the driver only while this is true (false = unplugged/silent). */
  connected = true;
  private readonly pending: string[] = [];

  constructor(
    readonly driver: ModemDriver,
    readonly core: ModemEmulatorCore,
  ) {}

  get state(): string | undefined {
    return this.states[this.states.length - 1]?.state;
  }

  dropCount(cause?: string): number {
    return cause === undefined ? this.drops.length : this.drops.filter((d) => d.cause === cause).length;
  }

  start(): this {
    this.apply(this.driver.start());
    return this;
  }

  /** Lines as if the modem printed them unprompted. */
  feed(...lines: string[]): this {
    this.pending.push(...lines);
    this.pump();
    return this;
  }

  hear(payload: Buffer, rssi = -60, snr = 9): this {
    return this.feed(...this.core.hear(payload, rssi, snr));
  }

  /** The adapter threw an over-long line away. */
  lineLost(): this {
    this.apply(this.driver.onLineLost());
    return this;
  }

  fireTimer(): this {
    this.apply(this.driver.onTimeout());
    return this;
  }

  apply(actions: DriverAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'write':
          this.written.push(a.line);
          if (this.connected) this.pending.push(...this.core.onCommand(a.line));
          break;
        case 'packet':
          this.packets.push(a.packet);
          break;
        case 'drop':
          this.drops.push(a.detail === undefined ? { cause: a.cause } : { cause: a.cause, detail: a.detail });
          break;
        case 'state':
          this.states.push(a.detail === undefined ? { state: a.state } : { state: a.state, detail: a.detail });
          break;
        case 'timer':
          this.timerMs = a.ms;
          break;
        case 'reopen':
          this.reopened.push(a.reason);
          this.apply(this.driver.start());
          break;
      }
    }
    this.pump();
  }

  private pumping = false;
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      let steps = 0;
      while (this.pending.length > 0) {
        if (++steps > 100_000) throw new Error('driver and modem talk forever');
        const line = this.pending.shift()!;
        this.apply(this.driver.onLine(line));
      }
    } finally {
      this.pumping = false;
    }
  }
}

export { prng } from '../../helpers/prng';

/** Random lines: binary-ish noise, near-misses of real modem lines, very long strings. */
export function randomLines(rand: () => number, count: number, templates: string[]): string[] {
  const out: string[] = [];
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  for (let i = 0; i < count; i++) {
    const kind = rand();
    if (kind < 0.3) {
      const n = Math.floor(rand() * 80);
      let s = '';
      for (let j = 0; j < n; j++) s += String.fromCharCode(Math.floor(rand() * 256));
      out.push(s);
    } else if (kind < 0.7) {
      // A real template with bytes flipped, cut or repeated.
      let s = pick(templates);
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * (s.length + 1));
        const op = rand();
        if (op < 0.4) s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) + s.slice(at + 1);
        else if (op < 0.7) s = s.slice(0, at);
        else s = s.slice(0, at) + pick(['G', 'z', ' ', ':', ',', '"', '-', '0', 'F', '\u00ff']) + s.slice(at);
      }
      out.push(s);
    } else if (kind < 0.8) {
      out.push(pick(templates));
    } else if (kind < 0.9) {
      out.push(pick(templates).repeat(1 + Math.floor(rand() * 400)));
    } else {
      out.push(pick(['', ' ', '\r', '\t', '\0', 'ok', 'OK', '+EVT:', 'radio_rx', 'radio_rx ', '+TEST: RX ""', 'x'.repeat(100_000)]));
    }
  }
  return out;
}
