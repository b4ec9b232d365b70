import type { DriverAction, ModemDriver, RadioSettings } from '../modem-driver';
import { decodeModemHex } from '../hex';
import { COMMAND_TIMING, CommandQueue, type CommandTiming } from '../command-queue';

/** Timing knobs of the Wio-E5 driver. */
export type WioE5Timing = CommandTiming;

/** Defaults used by the profile. */
export const WIO_E5_TIMING: WioE5Timing = { ...COMMAND_TIMING };

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
  private readonly commands: CommandQueue<Command>;
  private header: { len: number; rssi: number; snr: number } | undefined;

  constructor(
    private readonly settings: RadioSettings,
    timing: Partial<WioE5Timing> = {},
  ) {
    this.commands = new CommandQueue({ ...WIO_E5_TIMING, ...timing });
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
    this.commands.clearFailures();
    return this.initialise([]);
  }

  onLine(raw: string): DriverAction[] {
    const out: DriverAction[] = [];
    const line = raw.trim();
    if (line.length === 0) return out;
    const cmd = this.commands.current;
    if (cmd && line === cmd.line) return out;

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
    if (cmd) {
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
    return this.commands.expire(out) ? this.initialise(out) : out;
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
    this.commands.heard(out);
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
    this.commands.begin(this.initSequence(), out);
    return out;
  }

  private onAnswer(cmd: Command, out: DriverAction[]): void {
    if (cmd.purpose === 'arm') this.commands.armed(out);
    else this.commands.next(out);
  }

  private onError(cmd: Command, answer: string, out: DriverAction[]): void {
    out.push({ type: 'drop', cause: 'modem_error', detail: `${cmd.line}: ${answer}` });
    this.commands.refused(cmd, answer, out);
  }
}
