import type { DriverAction, ModemPacket, RadioSettings } from '../modem-driver';
import { decodeModemHex } from '../hex';
import { CommandDriver } from '../command-driver';
import { COMMAND_TIMING, type CommandTiming } from '../command-queue';

/** Timing knobs of the RN2483/RN2903 driver. */
export type Rn2483Timing = CommandTiming;

/** Defaults used by the profile. */
export const RN2483_TIMING: Rn2483Timing = { ...COMMAND_TIMING };

type Purpose = 'init' | 'arm' | 'probe' | 'snr' | 'rssi' | 'rxstop' | 'query';
type Expect = 'ok' | 'version' | 'decimal';

interface Command {
  line: string;
  expect: Expect;
  purpose: Purpose;
}

/** Answers the firmware gives instead of the expected one. */
const ERROR_ANSWERS = new Set(['invalid_param', 'busy', 'err', 'mac_paused', 'not_joined', 'silent', 'denied']);
const VERSION = /^RN2(483|903)\b/;
const DECIMAL = /^[-+]?\d{1,12}$/;
/** `radio_rx` then one or more spaces then the payload; a linear pattern (no nested quantifiers). */
const RADIO_RX = /^radio_rx(?:\s+(\S*))?$/;
const RSSI_COMMANDS = ['radio get rssi', 'radio get pktrssi'] as const;
const PAUSE_RENEW_PACKETS = 256;
/** `radio rx 0` as a liveness probe: `busy` means still listening, `ok` means it was off and listens now. */
const PROBE: Command = { line: 'radio rx 0', expect: 'ok', purpose: 'probe' };

/**
 * Microchip RN2483 / RN2903 in raw LoRa receive mode (`mac pause` + `radio rx 0`).
 * Receive is single-shot on this firmware: every `radio_rx` / `radio_err` disarms it, so the
 * driver reads SNR and RSSI of the packet and then re-arms with `radio rx 0`.
 */
export class Rn2483Driver extends CommandDriver<Command> {
  private packet: ModemPacket | undefined;
  /** Receive may still be on (earlier run, lost answer, `busy`): begin the next init with `radio rxstop`. */
  private stopReceiveFirst = false;
  /** RSSI query candidates still believed to exist on this firmware, in the order to try. */
  private rssiCommands: string[] = [...RSSI_COMMANDS];
  private rssiLearned = false;
  /** Packets since `mac pause` was last sent. */
  private sincePause = 0;
  /** `radio rxstop` already tried for the current arm attempt. */
  private rxStopTried = false;

  constructor(settings: RadioSettings, timing: Partial<Rn2483Timing> = {}) {
    super(settings, { ...RN2483_TIMING, ...timing }, PROBE);
  }

  protected override onStart(): void {
    // After a daemon restart the modem may still be listening from the previous run.
    this.stopReceiveFirst = true;
  }

  protected handle(line: string, out: DriverAction[]): void {
    const cmd = this.commands.current;
    const rx = RADIO_RX.exec(line);
    if (rx) return this.onReceive(rx[1] ?? '', out);
    if (line === 'radio_err') {
      // Receive window ended without a packet (or with a corrupt one): listen again. Outside
      // receive it is the tail of an earlier session's window, harmless.
      if (this.commands.phase === 'armed') this.arm(out);
      return;
    }
    if (VERSION.test(line) && !(cmd?.expect === 'version')) {
      // The firmware prints its version on power-up: the modem reset under us.
      this.flushPacket(out);
      this.commands.reportError('modem reset (version banner)', out);
      this.initialise(out);
      return;
    }
    if (cmd && ERROR_ANSWERS.has(line)) return this.onError(cmd, line, out);
    if (cmd && this.matches(cmd.expect, line)) return this.onAnswer(cmd, line, out);
    this.unparsed('garbage', line, out);
  }

  protected override answerLost(out: DriverAction[]): void {
    this.flushPacket(out);
    // A lost answer leaves the radio state unknown: it may be listening already, and would
    // refuse every `radio set` with busy.
    this.stopReceiveFirst = true;
  }

  private matches(expect: Expect, line: string): boolean {
    switch (expect) {
      case 'ok':
        return line === 'ok';
      case 'version':
        return VERSION.test(line);
      case 'decimal':
        return DECIMAL.test(line);
    }
  }

  private initSequence(): Command[] {
    const s = this.settings;
    const cmds: Command[] = [];
    if (this.stopReceiveFirst) cmds.push({ line: 'radio rxstop', expect: 'ok', purpose: 'rxstop' });
    cmds.push(
      { line: 'sys get ver', expect: 'version', purpose: 'init' },
      { line: 'mac pause', expect: 'decimal', purpose: 'init' },
      { line: 'radio set mod lora', expect: 'ok', purpose: 'init' },
      { line: `radio set freq ${s.freq}`, expect: 'ok', purpose: 'init' },
      { line: `radio set sf sf${s.sf}`, expect: 'ok', purpose: 'init' },
      { line: `radio set bw ${s.bw}`, expect: 'ok', purpose: 'init' },
      { line: `radio set cr ${s.cr}`, expect: 'ok', purpose: 'init' },
      // Without this the receive watchdog ends `radio rx 0` after 15 s with radio_err.
      { line: 'radio set wdt 0', expect: 'ok', purpose: 'init' },
      { line: 'radio rx 0', expect: 'ok', purpose: 'arm' },
    );
    return cmds;
  }

  protected initialise(out: DriverAction[]): DriverAction[] {
    this.packet = undefined;
    const cmds = this.initSequence();
    this.stopReceiveFirst = false;
    this.commands.begin(cmds, out);
    return out;
  }

  /** Listen again after a `radio_err` or a corrupt reception (receive is single-shot). */
  private arm(out: DriverAction[]): void {
    this.commands.send({ line: 'radio rx 0', expect: 'ok', purpose: 'arm' }, [], out);
  }

  private next(out: DriverAction[]): void {
    // The packet goes out before the re-arm so it is never held back by a slow modem.
    if (this.commands.queued[0]?.purpose === 'arm') this.flushPacket(out);
    this.commands.next(out);
  }

  private onAnswer(cmd: Command, line: string, out: DriverAction[]): void {
    switch (cmd.purpose) {
      case 'snr':
        if (this.packet) this.packet.snr = Number(line);
        break;
      case 'rssi':
        if (this.packet) this.packet.rssi = Number(line);
        this.rssiLearned = true;
        break;
      case 'init':
        if (cmd.expect === 'version') this.preferRssiCommandFor(line);
        if (cmd.line === 'mac pause') this.sincePause = 0;
        break;
      case 'probe':
        // The radio had left receive (a lost `radio_rx` line): it listens again from now.
        out.push({ type: 'drop', cause: 'receive_off', detail: 'receive was off; re-armed' });
        this.commands.armed(out);
        return;
      case 'arm':
        this.rxStopTried = false;
        this.commands.armed(out);
        return;
      case 'rxstop':
      case 'query':
        break;
    }
    this.next(out);
  }

  private onError(cmd: Command, answer: string, out: DriverAction[]): void {
    if (cmd.purpose === 'probe' && answer === 'busy') {
      // Still listening: the probe's good answer.
      this.commands.armed(out);
      return;
    }
    if (cmd.purpose === 'rssi' && answer === 'invalid_param' && !this.rssiLearned) {
      // Firmware without this RSSI query: try the other name once, then live without RSSI.
      this.rssiCommands = this.rssiCommands.filter((c) => c !== cmd.line);
      const other = this.rssiCommands[0];
      if (other) this.commands.send({ line: other, expect: 'decimal', purpose: 'rssi' }, this.commands.queued, out);
      else this.next(out);
      return;
    }
    if (cmd.purpose === 'rxstop') {
      // Older firmware lacks `radio rxstop`; carry on with the init and let it fail loudly if it must.
      this.next(out);
      return;
    }
    out.push({ type: 'drop', cause: 'modem_error', detail: `${cmd.line}: ${answer}` });
    if (cmd.purpose === 'snr' || cmd.purpose === 'rssi' || cmd.purpose === 'query') {
      this.next(out);
      return;
    }
    if (cmd.purpose === 'arm' && answer === 'busy' && !this.rxStopTried) {
      // Still listening from before (a stray re-arm): stop it and arm again, once.
      this.rxStopTried = true;
      this.commands.send({ line: 'radio rxstop', expect: 'ok', purpose: 'rxstop' }, [cmd], out);
      return;
    }
    if (answer === 'busy') this.stopReceiveFirst = true;
    this.commands.refused(cmd, answer, out);
  }

  private onReceive(hex: string, out: DriverAction[]): void {
    const raw = decodeModemHex(hex);
    const armed = this.commands.phase === 'armed';
    if (!raw) {
      out.push({ type: 'drop', cause: 'bad_hex', detail: hex.slice(0, 80) });
      if (armed) this.arm(out);
      return;
    }
    if (!armed) {
      // A packet heard while we were busy (receive left armed by an earlier run): keep it, but
      // its SNR/RSSI cannot be asked without disturbing the command in flight.
      out.push({ type: 'packet', packet: { raw, freq: this.settings.freq, dr: this.dataRate } });
      return;
    }
    this.packet = { raw, freq: this.settings.freq, dr: this.dataRate };
    const queries: Command[] = [{ line: 'radio get snr', expect: 'decimal', purpose: 'snr' }];
    const rssi = this.rssiCommands[0];
    if (rssi) queries.push({ line: rssi, expect: 'decimal', purpose: 'rssi' });
    // `mac pause` lasts ~49.7 days and a busy channel never goes silent long enough to re-init:
    // renew it now and then (with >= 1 packet per silence period, 256 packets take < 43 h).
    if (++this.sincePause >= PAUSE_RENEW_PACKETS) {
      this.sincePause = 0;
      queries.push({ line: 'mac pause', expect: 'decimal', purpose: 'query' });
    }
    queries.push({ line: 'radio rx 0', expect: 'ok', purpose: 'arm' });
    const [first, ...rest] = queries;
    this.commands.send(first!, rest, out);
  }

  private preferRssiCommandFor(version: string): void {
    if (this.rssiLearned || this.rssiCommands.length < 2) return;
    // Community code for RN2483 uses `pktrssi`, RN2903 tools use `rssi`: try the likelier first.
    const first = version.startsWith('RN2483') ? 'radio get pktrssi' : 'radio get rssi';
    this.rssiCommands.sort((a, b) => (a === first ? -1 : b === first ? 1 : 0));
  }

  private flushPacket(out: DriverAction[]): void {
    if (this.packet) out.push({ type: 'packet', packet: this.packet });
    this.packet = undefined;
  }
}
