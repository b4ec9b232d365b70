import type { CommandTiming, DriverAction } from './modem-driver';

export type { CommandTiming } from './modem-driver';

/** Defaults the modem families start from. */
export const COMMAND_TIMING: Readonly<CommandTiming> = {
  // Modems answer in milliseconds (a 120-character line at 9600 baud takes 125 ms); a short
  // bound is what lets a modem hear again soon after line noise ate an answer.
  commandTimeoutMs: 1000,
  noiseGraceMs: 250,
  livenessMs: 5000,
  backoffMinMs: 1000,
  backoffMaxMs: 60_000,
};

/** One command line; `timeoutMs` only where its answer may take longer than `commandTimeoutMs`. */
export interface QueuedCommand {
  line: string;
  timeoutMs?: number;
}

/** Nothing sent yet, a command awaiting its answer, receive armed, or waiting out a backoff. */
export type QueuePhase = 'idle' | 'command' | 'armed' | 'backoff';

/** The `state` a driver last reported to the adapter. */
export type ReportedState = 'initialising' | 'receiving' | 'deaf' | 'error';

/**
 * What the command-driven modem drivers share: one command in flight under a deadline, the
 * commands still to send, armed receive under a liveness deadline, exponential backoff after
 * refusals, and `state` actions without repeats. It owns the driver's single timer; the driver
 * keeps its family's wire protocol (which lines to send, which answers count, packet parsing).
 *
 * Receive liveness: the driver's `probe` is its arm command, whose answer ("armed" or "already
 * receiving") proves the modem listens. It goes out after `livenessMs` without a packet, and at
 * once after `noise()` (a line nobody understood, an over-long line thrown away: either may have
 * been a packet line whose loss left a single-shot receiver off). Lost answers are told apart by
 * cause: with noise on the line they are retried at once, because the modem is there; in silence
 * the first re-initialises and the second asks the adapter to reopen the port.
 */
export class CommandQueue<C extends QueuedCommand> {
  private phaseNow: QueuePhase = 'idle';
  private inFlight: C | undefined;
  private rest: readonly C[] = [];
  private failures = 0;
  private silentTimeouts = 0;
  private reported: ReportedState | undefined;
  /** Noise (an unparsed line, discarded bytes) seen since the current command was written. */
  private noisy = false;

  constructor(
    private readonly timing: CommandTiming,
    private readonly probe: C,
  ) {}

  /** Where the modem conversation stands. */
  get phase(): QueuePhase {
    return this.phaseNow;
  }

  /** The command awaiting its answer; set exactly while `phase` is `command`. */
  get current(): C | undefined {
    return this.inFlight;
  }

  /** Commands to send after the current one, in order. */
  get queued(): readonly C[] {
    return this.rest;
  }

  /** The state last reported, so a driver can tell "still receiving" from "recovering". */
  get state(): ReportedState | undefined {
    return this.reported;
  }

  /** True while the command in flight is a liveness probe. */
  get probing(): boolean {
    return this.phaseNow === 'command' && this.inFlight === this.probe;
  }

  /** A fresh start (port reopened): the next failure backs off from the minimum again. */
  clearFailures(): void {
    this.failures = 0;
    this.silentTimeouts = 0;
  }

  /** (Re)initialise: report `initialising` (once) and send the first of `cmds`, queueing the rest. */
  begin(cmds: readonly C[], out: DriverAction[]): void {
    // A deaf modem stays reported deaf until receive is confirmed again.
    if (this.reported !== 'deaf') this.setState('initialising', out);
    const [first, ...rest] = cmds;
    if (first) this.send(first, rest, out);
  }

  /** Write `cmd` now under its deadline; `rest` replaces whatever was queued. */
  send(cmd: C, rest: readonly C[], out: DriverAction[]): void {
    this.phaseNow = 'command';
    this.inFlight = cmd;
    this.rest = rest;
    this.noisy = false;
    out.push({ type: 'write', line: cmd.line });
    out.push({ type: 'timer', ms: cmd.timeoutMs ?? this.timing.commandTimeoutMs });
  }

  /** The current command was answered: send the next queued one, if any. */
  next(out: DriverAction[]): void {
    this.silentTimeouts = 0;
    const [cmd, ...rest] = this.rest;
    if (cmd) this.send(cmd, rest, out);
  }

  /** Receive is on (armed, or a probe answered): report `receiving`, forget past failures, restart the liveness deadline. */
  armed(out: DriverAction[]): void {
    this.inFlight = undefined;
    this.rest = [];
    this.phaseNow = 'armed';
    this.failures = 0;
    this.silentTimeouts = 0;
    this.setState('receiving', out);
    out.push({ type: 'timer', ms: this.timing.livenessMs });
  }

  /** A packet while armed proves the modem listens: push the liveness deadline out. */
  heard(out: DriverAction[]): void {
    if (this.phaseNow === 'armed') out.push({ type: 'timer', ms: this.timing.livenessMs });
  }

  /**
   * Something on the line went unparsed or was thrown away. While armed it may have been a packet
   * line, so receive is re-checked now; while a command waits, its answer may be the lost line.
   */
  noise(out: DriverAction[]): void {
    if (this.phaseNow === 'armed') return this.send(this.probe, [], out);
    if (this.phaseNow !== 'command' || this.noisy) return;
    this.noisy = true;
    // The answer was probably glued to the noise: retry soon rather than after the full timeout
    // (5 s for a reboot). Only on the first noise, so more noise cannot defer the retry.
    out.push({ type: 'timer', ms: Math.min(this.timing.noiseGraceMs, this.inFlight?.timeoutMs ?? this.timing.commandTimeoutMs) });
  }

  /** The modem refused `cmd` with `answer`: report it and retry after a backoff, longer each time. */
  refused(cmd: C, answer: string, out: DriverAction[]): void {
    this.silentTimeouts = 0;
    this.failures++;
    this.reportError(`"${cmd.line}" answered ${answer}`, out);
    this.backoff(out);
  }

  /**
   * The timer fired. Reports what it means and returns true when the driver should re-initialise
   * now; false when it sent a probe, asked for the port to be reopened, or nothing ran.
   */
  expire(out: DriverAction[]): boolean {
    switch (this.phaseNow) {
      case 'command': {
        const what = this.inFlight?.line ?? '?';
        if (this.noisy) {
          // The answer was most likely garbled: the modem is there, try again without waiting.
          this.reportError(`no answer to "${what}" (line noise)`, out);
          return true;
        }
        if (this.probing) {
          this.reported = 'deaf';
          out.push({ type: 'state', state: 'deaf', detail: `receive not confirmed: no answer to probe "${what}" in ${seconds(this.timing.commandTimeoutMs)}` });
        } else if (this.reported === 'receiving') {
          // It was listening (this command is a re-arm or a packet's query) and went silent: deaf as well.
          this.reported = 'deaf';
          out.push({ type: 'state', state: 'deaf', detail: `no answer to "${what}" while receiving` });
        } else {
          this.reportError(`no answer to "${what}"`, out);
        }
        if (++this.silentTimeouts > 1) {
          this.phaseNow = 'idle';
          this.inFlight = undefined;
          this.rest = [];
          out.push({ type: 'timer', ms: 0 });
          out.push({ type: 'reopen', reason: `modem silent: no answer to "${what}"` });
          return false;
        }
        return true;
      }
      case 'armed':
        this.send(this.probe, [], out);
        return false;
      case 'backoff':
        return true;
      default:
        return false;
    }
  }

  /** Report an error state (always, even twice in a row: each carries its own detail); a deaf modem stays deaf. */
  reportError(detail: string, out: DriverAction[]): void {
    if (this.reported === 'deaf') {
      out.push({ type: 'state', state: 'deaf', detail });
      return;
    }
    this.reported = 'error';
    out.push({ type: 'state', state: 'error', detail });
  }

  private backoff(out: DriverAction[]): void {
    this.phaseNow = 'backoff';
    this.inFlight = undefined;
    this.rest = [];
    const ms = Math.min(this.timing.backoffMaxMs, this.timing.backoffMinMs * 2 ** Math.max(0, this.failures - 1));
    out.push({ type: 'timer', ms });
  }

  private setState(state: 'initialising' | 'receiving', out: DriverAction[]): void {
    if (this.reported === state) return;
    this.reported = state;
    out.push({ type: 'state', state });
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
