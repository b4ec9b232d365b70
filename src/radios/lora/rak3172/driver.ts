import type { DriverAction, RadioSettings } from '../modem-driver';
import { decodeModemHex } from '../hex';
import { CommandDriver } from '../command-driver';
import { COMMAND_TIMING, type CommandTiming } from '../command-queue';

/** Timing knobs of the RAK3172 driver. */
export interface Rak3172Timing extends CommandTiming {
  /** `AT+NWM=0` from LoRaWAN mode reboots the module; its banner may take this long. */
  rebootTimeoutMs: number;
}

/** Defaults used by the profile. */
export const RAK3172_TIMING: Rak3172Timing = { ...COMMAND_TIMING, rebootTimeoutMs: 5000 };

/** `AT+PRECV` value for "receive forever, never fall back to transmit mode". */
export const RAK_CONTINUOUS_RX = 65534;
/** LoRa preamble symbols and (unused while receiving, but required by AT+P2P) transmit power. */
const PREAMBLE = 8;
const TX_POWER_DBM = 14;

const CODING_RATES: Record<string, number> = { '4/5': 0, '4/6': 1, '4/7': 2, '4/8': 3 };

type Purpose = 'init' | 'nwm' | 'arm' | 'probe' | 'stop';

interface Command {
  line: string;
  purpose: Purpose;
  timeoutMs?: number;
}

/** Continuous receive as a liveness probe: `AT_BUSY_ERROR` means still listening, `OK` that it was off and listens now. */
const PROBE: Command = { line: `AT+PRECV=${RAK_CONTINUOUS_RX}`, purpose: 'probe' };

/** Error answers of RUI3 (`AT_ERROR`, `AT_PARAM_ERROR`, `AT_BUSY_ERROR`, ...) and friends. */
const ERROR_ANSWER = /^(AT_[A-Z_]{1,40}|RADIO_BUSY|COMMAND_LOCKED|ERROR)$/;
/** RUI3: `+EVT:RXP2P:<rssi>:<snr>:<hex>`. */
const RXP2P = /^\+EVT:RXP2P:(-?\d{1,4}):(-?\d{1,4}):([^:]*)$/;
/** Old 9600-baud firmware, first line: `+EVT:RXP2P, RSSI -60, SNR 11`. */
const RXP2P_HEADER = /^\+EVT:RXP2P,\s*RSSI\s+(-?\d{1,4}),\s*SNR\s+(-?\d{1,4})$/;
/** Old firmware, second line: `+EVT:<hex>`. */
const EVT_PAYLOAD = /^\+EVT:([0-9A-Fa-f]+)$/;
/** Last line of the boot banner: `Current Work Mode: LoRa P2P.` */
const WORK_MODE = /^Current Work Mode:\s*(.{0,40})$/i;
/** Lines printed on reboot besides the work-mode line; harmless. */
const BANNER_OTHER = /^(RAKwireless|-{5,}|={5,}|Version:|RAK3172|Current Work Mode|[\s|_\\/()'`.,=-]+$)/;

/**
 * RAKwireless RAK3172 with RUI3 AT firmware in LoRa P2P continuous receive (`AT+PRECV=65534`).
 * Also understands the older firmware that splits each reception over two `+EVT:` lines.
 */
export class Rak3172Driver extends CommandDriver<Command> {
  private readonly timing: Rak3172Timing;
  /** Old firmware: the header line waiting for its payload line. */
  private header: { rssi: number; snr: number } | undefined;
  /** Receive may still be on (earlier run, lost answer, busy): begin the next init with `AT+PRECV=0`. */
  private stopReceiveFirst = false;

  constructor(settings: RadioSettings, timing: Partial<Rak3172Timing> = {}) {
    const t = { ...RAK3172_TIMING, ...timing };
    super(settings, t, PROBE);
    this.timing = t;
  }

  /** The `AT+P2P=` command for these settings (bandwidth in kHz, coding rate 0 = 4/5). */
  get p2pCommand(): string {
    const s = this.settings;
    return `AT+P2P=${s.freq}:${s.sf}:${s.bw}:${CODING_RATES[s.cr] ?? 0}:${PREAMBLE}:${TX_POWER_DBM}`;
  }

  protected override onStart(): void {
    // After a daemon restart the modem may still be listening from the previous run.
    this.stopReceiveFirst = true;
  }

  /** Echo (ATE on) and the info lines some versions print before OK restate the command. */
  protected override isEcho(line: string): boolean {
    return line.startsWith('AT+') || line === 'AT';
  }

  protected handle(line: string, out: DriverAction[]): void {
    if (line.startsWith('+EVT:')) return this.onEvent(line, out);
    const mode = WORK_MODE.exec(line);
    if (mode) {
      const awaitingNwm = this.commands.current?.purpose === 'nwm';
      if (awaitingNwm && /P2P/i.test(mode[1] ?? '')) {
        // Switching work mode rebooted the module straight into P2P: that is the answer.
        this.commands.next(out);
      } else if (!awaitingNwm && this.commands.phase !== 'backoff') {
        // A reboot we did not ask for (brown-out, watchdog): receive is off now.
        this.commands.reportError('modem rebooted', out);
        this.initialise(out);
      }
      return;
    }
    if (BANNER_OTHER.test(line)) return;
    const cmd = this.commands.current;
    if (cmd && line === 'OK') return this.onOk(cmd, out);
    if (cmd && ERROR_ANSWER.test(line)) return this.onError(cmd, line, out);
    this.unparsed('garbage', line, out);
  }

  protected override answerLost(): void {
    // A lost answer leaves the radio state unknown: continuous receive may be on already and
    // would refuse AT+P2P with AT_BUSY_ERROR.
    this.stopReceiveFirst = true;
  }

  private onEvent(line: string, out: DriverAction[]): void {
    let m = RXP2P.exec(line);
    if (m) {
      if (this.header) this.dropHeader(out);
      this.emit(m[3] ?? '', Number(m[1]), Number(m[2]), out);
      return;
    }
    if (line === '+EVT:RXP2P RECEIVE TIMEOUT' || line === '+EVT:RXP2P RECEIVE ERROR') {
      if (line.endsWith('ERROR')) out.push({ type: 'drop', cause: 'rx_error', detail: line });
      if (this.commands.phase === 'armed') this.commands.send({ line: `AT+PRECV=${RAK_CONTINUOUS_RX}`, purpose: 'arm' }, [], out);
      return;
    }
    m = RXP2P_HEADER.exec(line);
    if (m) {
      if (this.header) this.dropHeader(out);
      this.header = { rssi: Number(m[1]), snr: Number(m[2]) };
      return;
    }
    m = EVT_PAYLOAD.exec(line);
    if (m && this.header) {
      const { rssi, snr } = this.header;
      this.header = undefined;
      this.emit(m[1] ?? '', rssi, snr, out);
      return;
    }
    if (m) return this.unparsed('orphan_payload', line, out);
    if (line.startsWith('+EVT:TXP2P')) return;
    this.unparsed('garbage', line, out);
  }

  private emit(hex: string, rssi: number, snr: number, out: DriverAction[]): void {
    const raw = decodeModemHex(hex);
    if (!raw) return this.unparsed('bad_hex', hex, out);
    this.deliver({ raw, rssi, snr, freq: this.settings.freq, dr: this.dataRate }, out);
  }

  /** `recheck: false` when re-initialising anyway. */
  private dropHeader(out: DriverAction[], recheck = true): void {
    this.header = undefined;
    const detail = 'RXP2P header without payload line';
    if (recheck) this.unparsed('missing_payload', detail, out);
    else out.push({ type: 'drop', cause: 'missing_payload', detail });
  }

  private initSequence(): Command[] {
    const stop: Command[] = this.stopReceiveFirst ? [{ line: 'AT+PRECV=0', purpose: 'stop' }] : [];
    this.stopReceiveFirst = false;
    return [
      ...stop,
      { line: 'AT', purpose: 'init' },
      { line: 'AT+NWM=0', purpose: 'nwm', timeoutMs: this.timing.rebootTimeoutMs },
      { line: this.p2pCommand, purpose: 'init' },
      { line: `AT+PRECV=${RAK_CONTINUOUS_RX}`, purpose: 'arm' },
    ];
  }

  protected initialise(out: DriverAction[]): DriverAction[] {
    if (this.header) this.dropHeader(out, false);
    this.commands.begin(this.initSequence(), out);
    return out;
  }

  private onOk(cmd: Command, out: DriverAction[]): void {
    if (cmd.purpose === 'probe') out.push({ type: 'drop', cause: 'receive_off', detail: 'receive was off; re-armed' });
    if (cmd.purpose === 'arm' || cmd.purpose === 'probe') this.commands.armed(out);
    else this.commands.next(out);
  }

  private onError(cmd: Command, answer: string, out: DriverAction[]): void {
    if (cmd.purpose === 'probe' && answer === 'AT_BUSY_ERROR') {
      // Still listening: the probe's good answer.
      this.commands.armed(out);
      return;
    }
    if (cmd.purpose === 'arm' && answer === 'AT_BUSY_ERROR' && this.commands.state === 'receiving') {
      // Re-arm refused because continuous receive is still on: it never stopped listening.
      this.commands.armed(out);
      return;
    }
    if (cmd.purpose === 'stop') {
      this.commands.next(out);
      return;
    }
    out.push({ type: 'drop', cause: 'modem_error', detail: `${cmd.line}: ${answer}` });
    if (answer === 'AT_BUSY_ERROR' || answer === 'RADIO_BUSY') this.stopReceiveFirst = true;
    this.commands.refused(cmd, answer, out);
  }
}
