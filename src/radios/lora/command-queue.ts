import type { DriverAction } from './modem-driver';

/** Timing knobs every command-driven modem driver has; tests shorten nothing, they call `onTimeout()` directly. */
export interface CommandTiming {
  /** How long one command may wait for its answer before the modem is re-initialised. */
  commandTimeoutMs: number;
  /** Receive armed but no line for this long: the modem is presumed wedged and re-initialised. */
  silenceMs: number;
  /** First retry delay after the modem refused an init command; doubles per failure. */
  backoffMinMs: number;
  backoffMaxMs: number;
}

/** Defaults the modem families start from. */
export const COMMAND_TIMING: Readonly<CommandTiming> = {
  commandTimeoutMs: 2000,
  silenceMs: 10 * 60_000,
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
export type ReportedState = 'initialising' | 'receiving' | 'error';

/**
 * What the command-driven modem drivers share: one command in flight under a deadline, the
 * commands still to send, armed receive under a silence deadline, exponential backoff after
 * failures, and `state` actions without repeats. It owns the driver's single timer; the driver
 * keeps its family's wire protocol (which lines to send, which answers count, packet parsing).
 */
export class CommandQueue<C extends QueuedCommand> {
  private phaseNow: QueuePhase = 'idle';
  private inFlight: C | undefined;
  private rest: readonly C[] = [];
  private failures = 0;
  private reported: ReportedState | undefined;

  constructor(private readonly timing: CommandTiming) {}

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

  /** A fresh start (port reopened): the next failure backs off from the minimum again. */
  clearFailures(): void {
    this.failures = 0;
  }

  /** (Re)initialise: report `initialising` (once) and send the first of `cmds`, queueing the rest. */
  begin(cmds: readonly C[], out: DriverAction[]): void {
    this.setState('initialising', out);
    const [first, ...rest] = cmds;
    if (first) this.send(first, rest, out);
  }

  /** Write `cmd` now under its deadline; `rest` replaces whatever was queued. */
  send(cmd: C, rest: readonly C[], out: DriverAction[]): void {
    this.phaseNow = 'command';
    this.inFlight = cmd;
    this.rest = rest;
    out.push({ type: 'write', line: cmd.line });
    out.push({ type: 'timer', ms: cmd.timeoutMs ?? this.timing.commandTimeoutMs });
  }

  /** The current command was answered: send the next queued one, if any. */
  next(out: DriverAction[]): void {
    const [cmd, ...rest] = this.rest;
    if (cmd) this.send(cmd, rest, out);
  }

  /** Receive is on: report `receiving`, forget past failures and start the silence deadline. */
  armed(out: DriverAction[]): void {
    this.inFlight = undefined;
    this.rest = [];
    this.phaseNow = 'armed';
    this.failures = 0;
    this.setState('receiving', out);
    out.push({ type: 'timer', ms: this.timing.silenceMs });
  }

  /** A reception while armed: any line proves the modem alive, so push the silence deadline out. */
  heard(out: DriverAction[]): void {
    if (this.phaseNow === 'armed') out.push({ type: 'timer', ms: this.timing.silenceMs });
  }

  /** The modem refused `cmd` with `answer`: report it and retry after a backoff, longer each time. */
  refused(cmd: C, answer: string, out: DriverAction[]): void {
    this.failures++;
    this.reportError(`"${cmd.line}" answered ${answer}`, out);
    this.backoff(out);
  }

  /**
   * The timer fired. Reports what it means and returns true when the driver should re-initialise
   * now; false when a backoff was armed instead (a second lost answer in a row) or nothing ran.
   */
  expire(out: DriverAction[]): boolean {
    switch (this.phaseNow) {
      case 'command': {
        const what = this.inFlight?.line ?? '?';
        this.failures++;
        this.reportError(`no answer to "${what}"`, out);
        if (this.failures > 1) {
          this.backoff(out);
          return false;
        }
        return true;
      }
      case 'armed':
        this.reportError(`receive silent for ${Math.round(this.timing.silenceMs / 1000)} s`, out);
        return true;
      case 'backoff':
        return true;
      default:
        return false;
    }
  }

  /** Report an error state (always, even twice in a row: each carries its own detail). */
  reportError(detail: string, out: DriverAction[]): void {
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
