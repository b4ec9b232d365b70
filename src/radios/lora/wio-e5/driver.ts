import type { DriverAction, ModemDriver, RadioSettings } from '../modem-driver';
import { decodeModemHex } from '../hex';

/** Timing knobs of the Wio-E5 driver. */
export interface WioE5Timing {
  /** How long one AT command may wait for its answer before the modem is re-initialised. */
  commandTimeoutMs: number;
  /** Receive armed but no line for this long: the modem is presumed wedged and re-initialised. */
  silenceMs: number;
  /** First retry delay after the modem refused an init command; doubles per failure. */
  backoffMinMs: number;
  backoffMaxMs: number;
}

/** Defaults used by the profile. */
export const WIO_E5_TIMING: WioE5Timing = {
  commandTimeoutMs: 2000,
  silenceMs: 10 * 60_000,
  backoffMinMs: 1000,
  backoffMaxMs: 60_000,
};

/** Test-mode RF settings besides frequency/SF/BW: TX preamble, RX preamble, power, CRC, IQ, network. */
const RFCFG_TAIL = '12,15,14,ON,OFF,OFF';

type Purpose = 'init' | 'arm';

interface Command {
  line: string;
  /** Line that acknowledges this command. */
  answer: RegExp;
  purpose: Purpose;
}

/** `+AT: ERROR(-1)`, `+TEST: ERROR(-12)`, `+MODE: ERROR(-1)`, or a bare `ERROR(-1)`. */
const ERROR_ANSWER = /^(\+[A-Z]{1,12}:\s*)?ERROR\s*\(-?\d{1,4}\)$/;
const LEN_HEADER = /^\+TEST:\s*LEN:\s*(\d{1,4}),\s*RSSI:\s*(-?\d{1,4}(?:\.\d{1,3})?),\s*SNR:\s*(-?\d{1,4}(?:\.\d{1,3})?)$/;
const RX_PAYLOAD = /^\+TEST:\s*RX\s+"([^"]*)"$/;

/** 868100000 → `868.1`, exact for any integer Hz (no floating-point rounding). */
export function hzToMhz(hz: number): string {
  const whole = Math.floor(hz / 1_000_000);
  const frac = String(hz % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

/**
 * Seeed Wio-E5 / LoRa-E5 (STM32WLE5 with Seeed AT firmware) in test mode continuous receive
 * (`AT+TEST=RXLRPKT`). Each reception is a `+TEST: LEN:..., RSSI:..., SNR:...` line then a
 * `+TEST: RX "<hex>"` line; receive stays on afterwards.
 */
export class WioE5Driver implements ModemDriver {
  private readonly timing: WioE5Timing;
  private phase: 'idle' | 'command' | 'armed' | 'backoff' = 'idle';
  private current: Command | undefined;
  private queue: Command[] = [];
  private header: { len: number; rssi: number; snr: number } | undefined;
  private lastState: string | undefined;
  private failures = 0;

  constructor(
    private readonly settings: RadioSettings,
    timing: Partial<WioE5Timing> = {},
  ) {
    this.timing = { ...WIO_E5_TIMING, ...timing };
  }

  /** The `SF7BW125`-style data rate reported with every packet. */
  get dataRate(): string {
    return `SF${this.settings.sf}BW${this.settings.bw}`;
  }

  /** The RF configuration command for these settings (the coding rate travels in the LoRa header). */
  get rfcfgCommand(): string {
    const s = this.settings;
    return `AT+TEST=RFCFG,${hzToMhz(s.freq)},SF${s.sf},${s.bw},${RFCFG_TAIL}`;
  }

  start(): DriverAction[] {
    this.failures = 0;
    return this.initialise([]);
  }

  onLine(raw: string): DriverAction[] {
    const out: DriverAction[] = [];
    const line = raw.trim();
    if (line.length === 0) return out;
    if (this.current && line === this.current.line) return out;

    let m = LEN_HEADER.exec(line);
    if (m) {
      if (this.header) this.dropHeader(out);
      this.header = { len: Number(m[1]), rssi: Number(m[2]), snr: Number(m[3]) };
      return out;
    }
    m = RX_PAYLOAD.exec(line);
    if (m) {
      this.onPayload(m[1] ?? '', out);
      return out;
    }
    if (this.phase === 'command' && this.current) {
      const cmd = this.current;
      if (cmd.answer.test(line)) {
        this.onAnswer(cmd, out);
        return out;
      }
      if (ERROR_ANSWER.test(line)) {
        this.onError(cmd, line, out);
        return out;
      }
    }
    out.push({ type: 'drop', cause: 'garbage', detail: line.slice(0, 80) });
    return out;
  }

  onTimeout(): DriverAction[] {
    const out: DriverAction[] = [];
    switch (this.phase) {
      case 'command': {
        const what = this.current?.line ?? '?';
        this.failures++;
        this.setError(`no answer to "${what}"`, out);
        if (this.failures > 1) return this.backoff(out);
        return this.initialise(out);
      }
      case 'armed':
        this.setError(`receive silent for ${Math.round(this.timing.silenceMs / 1000)} s`, out);
        return this.initialise(out);
      case 'backoff':
        return this.initialise(out);
      default:
        return out;
    }
  }

  private onPayload(hex: string, out: DriverAction[]): void {
    const header = this.header;
    this.header = undefined;
    if (!header) {
      out.push({ type: 'drop', cause: 'orphan_payload', detail: hex.slice(0, 80) });
      return;
    }
    const raw = decodeModemHex(hex);
    if (!raw) {
      out.push({ type: 'drop', cause: 'bad_hex', detail: hex.slice(0, 80) });
      return;
    }
    if (raw.length !== header.len) {
      out.push({ type: 'drop', cause: 'length_mismatch', detail: `LEN:${header.len} but ${raw.length} bytes` });
      return;
    }
    out.push({
      type: 'packet',
      packet: { raw, rssi: header.rssi, snr: header.snr, freq: this.settings.freq, dr: this.dataRate },
    });
    if (this.phase === 'armed') out.push({ type: 'timer', ms: this.timing.silenceMs });
  }

  private dropHeader(out: DriverAction[]): void {
    this.header = undefined;
    out.push({ type: 'drop', cause: 'missing_payload', detail: 'LEN header without RX line' });
  }

  private initSequence(): Command[] {
    return [
      { line: 'AT', answer: /^\+AT:\s*OK$/, purpose: 'init' },
      { line: 'AT+MODE=TEST', answer: /^\+MODE:\s*TEST$/, purpose: 'init' },
      { line: this.rfcfgCommand, answer: /^\+TEST:\s*RFCFG\b/, purpose: 'init' },
      { line: 'AT+TEST=RXLRPKT', answer: /^\+TEST:\s*RXLRPKT$/, purpose: 'arm' },
    ];
  }

  private initialise(out: DriverAction[]): DriverAction[] {
    if (this.header) this.dropHeader(out);
    this.setState('initialising', out);
    const [first, ...rest] = this.initSequence();
    this.send(first!, rest, out);
    return out;
  }

  private send(cmd: Command, rest: Command[], out: DriverAction[]): void {
    this.phase = 'command';
    this.current = cmd;
    this.queue = rest;
    out.push({ type: 'write', line: cmd.line });
    out.push({ type: 'timer', ms: this.timing.commandTimeoutMs });
  }

  private onAnswer(cmd: Command, out: DriverAction[]): void {
    if (cmd.purpose === 'arm') {
      this.current = undefined;
      this.queue = [];
      this.phase = 'armed';
      this.failures = 0;
      this.setState('receiving', out);
      out.push({ type: 'timer', ms: this.timing.silenceMs });
      return;
    }
    const [next, ...rest] = this.queue;
    if (next) this.send(next, rest, out);
  }

  private onError(cmd: Command, answer: string, out: DriverAction[]): void {
    out.push({ type: 'drop', cause: 'modem_error', detail: `${cmd.line}: ${answer}` });
    this.failures++;
    this.setError(`"${cmd.line}" answered ${answer}`, out);
    this.backoff(out);
  }

  private backoff(out: DriverAction[]): DriverAction[] {
    this.phase = 'backoff';
    this.current = undefined;
    this.queue = [];
    const ms = Math.min(this.timing.backoffMaxMs, this.timing.backoffMinMs * 2 ** Math.max(0, this.failures - 1));
    out.push({ type: 'timer', ms });
    return out;
  }

  private setError(detail: string, out: DriverAction[]): void {
    this.lastState = 'error';
    out.push({ type: 'state', state: 'error', detail });
  }

  private setState(state: 'initialising' | 'receiving', out: DriverAction[]): void {
    if (this.lastState === state) return;
    this.lastState = state;
    out.push({ type: 'state', state });
  }
}
