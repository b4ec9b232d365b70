import type { DriverAction, RadioSettings } from '../modem-driver';
import { decodeModemHex } from '../hex';
import { CommandDriver } from '../command-driver';
import { COMMAND_TIMING, type CommandTiming } from '../command-queue';

/** Timing knobs of the Wio-E5 driver. */
export type WioE5Timing = CommandTiming;

/** Defaults used by the profile. */
export const WIO_E5_TIMING: WioE5Timing = { ...COMMAND_TIMING };

/** Test-mode RF settings besides frequency/SF/BW: TX preamble, RX preamble, power, CRC, IQ, network. */
const RFCFG_TAIL = '12,15,14,ON,OFF,OFF';

type Purpose = 'init' | 'arm' | 'probe';

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
/** Continuous receive again as a liveness probe: the firmware answers the same whether it was on or off. */
const PROBE: Command = { line: 'AT+TEST=RXLRPKT', answer: /^\+TEST:\s*RXLRPKT$/, purpose: 'probe' };

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
export class WioE5Driver extends CommandDriver<Command> {
  private header: { len: number; rssi: number; snr: number } | undefined;

  constructor(settings: RadioSettings, timing: Partial<WioE5Timing> = {}) {
    super(settings, { ...WIO_E5_TIMING, ...timing }, PROBE);
  }

  /** The RF configuration command for these settings (the coding rate travels in the LoRa header). */
  get rfcfgCommand(): string {
    const s = this.settings;
    return `AT+TEST=RFCFG,${hzToMhz(s.freq)},SF${s.sf},${s.bw},${RFCFG_TAIL}`;
  }

  protected handle(line: string, out: DriverAction[]): void {
    const cmd = this.commands.current;
    let m = LEN_HEADER.exec(line);
    if (m) {
      if (this.header) this.dropHeader(out);
      this.header = { len: Number(m[1]), rssi: Number(m[2]), snr: Number(m[3]) };
      return;
    }
    m = RX_PAYLOAD.exec(line);
    if (m) return this.onPayload(m[1] ?? '', out);
    if (cmd && cmd.answer.test(line)) return this.onAnswer(cmd, out);
    if (cmd && ERROR_ANSWER.test(line)) return this.onError(cmd, line, out);
    this.unparsed('garbage', line, out);
  }

  private onPayload(hex: string, out: DriverAction[]): void {
    const header = this.header;
    this.header = undefined;
    if (!header) return this.unparsed('orphan_payload', hex, out);
    const raw = decodeModemHex(hex);
    if (!raw) return this.unparsed('bad_hex', hex, out);
    if (raw.length !== header.len) return this.unparsed('length_mismatch', `LEN:${header.len} but ${raw.length} bytes`, out);
    this.deliver({ raw, rssi: header.rssi, snr: header.snr, freq: this.settings.freq, dr: this.dataRate }, out);
  }

  /** `recheck: false` when re-initialising anyway. */
  private dropHeader(out: DriverAction[], recheck = true): void {
    this.header = undefined;
    const detail = 'LEN header without RX line';
    if (recheck) this.unparsed('missing_payload', detail, out);
    else out.push({ type: 'drop', cause: 'missing_payload', detail });
  }

  private initSequence(): Command[] {
    return [
      { line: 'AT', answer: /^\+AT:\s*OK$/, purpose: 'init' },
      { line: 'AT+MODE=TEST', answer: /^\+MODE:\s*TEST$/, purpose: 'init' },
      { line: this.rfcfgCommand, answer: /^\+TEST:\s*RFCFG\b/, purpose: 'init' },
      { line: 'AT+TEST=RXLRPKT', answer: /^\+TEST:\s*RXLRPKT$/, purpose: 'arm' },
    ];
  }

  protected initialise(out: DriverAction[]): DriverAction[] {
    if (this.header) this.dropHeader(out, false);
    this.commands.begin(this.initSequence(), out);
    return out;
  }

  private onAnswer(cmd: Command, out: DriverAction[]): void {
    if (cmd.purpose === 'arm' || cmd.purpose === 'probe') this.commands.armed(out);
    else this.commands.next(out);
  }

  private onError(cmd: Command, answer: string, out: DriverAction[]): void {
    out.push({ type: 'drop', cause: 'modem_error', detail: `${cmd.line}: ${answer}` });
    this.commands.refused(cmd, answer, out);
  }
}
