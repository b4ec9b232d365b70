import { CommandQueue, type QueuedCommand } from './command-queue';
import type { CommandTiming, DriverAction, ModemDriver, ModemPacket, RadioSettings } from './modem-driver';

/**
 * What the three command-driven modem drivers share, so each keeps only its wire protocol:
 * the line preamble (trim, skip blank lines and echoes), `start()`, the data rate, and how
 * noise and lost answers feed receive liveness (see `CommandQueue`). Still pure: lines in,
 * actions out.
 */
export abstract class CommandDriver<C extends QueuedCommand> implements ModemDriver {
  protected readonly commands: CommandQueue<C>;

  /** `probe` is the family's arm command: its answer, whichever it is, proves receive is on. */
  constructor(
    protected readonly settings: RadioSettings,
    timing: CommandTiming,
    probe: C,
  ) {
    this.commands = new CommandQueue(timing, probe);
  }

  /** The `SF7BW125`-style data rate reported with every packet. */
  get dataRate(): string {
    return `SF${this.settings.sf}BW${this.settings.bw}`;
  }

  start(): DriverAction[] {
    this.commands.clearFailures();
    this.onStart();
    return this.initialise([]);
  }

  onLine(raw: string): DriverAction[] {
    const out: DriverAction[] = [];
    const line = raw.trim();
    if (line.length === 0 || this.isEcho(line)) return out;
    this.handle(line, out);
    return out;
  }

  onLineLost(): DriverAction[] {
    const out: DriverAction[] = [];
    this.commands.noise(out);
    return out;
  }

  onTimeout(): DriverAction[] {
    const out: DriverAction[] = [];
    if (this.commands.phase === 'command') this.answerLost(out);
    return this.commands.expire(out) ? this.initialise(out) : out;
  }

  /** One non-blank line that is not an echo. */
  protected abstract handle(line: string, out: DriverAction[]): void;

  /** Send the family's init sequence from the start (via `commands.begin`). */
  protected abstract initialise(out: DriverAction[]): DriverAction[];

  /** Called by `start()` before the first init (the modem may still listen from an earlier run). */
  protected onStart(): void {}

  /** The command in flight got no answer in time; the radio state is unknown now. */
  protected answerLost(_out: DriverAction[]): void {}

  /** Some USB bridges loop the command back; an echo is not an answer. */
  protected isEcho(line: string): boolean {
    return line === this.commands.current?.line;
  }

  /** A packet for the adapter; proves receive is on. */
  protected deliver(packet: ModemPacket, out: DriverAction[]): void {
    out.push({ type: 'packet', packet });
    this.commands.heard(out);
  }

  /** A counted drop of a line that made no sense here; it may have been a mangled packet line, so liveness re-checks. */
  protected unparsed(cause: string, detail: string, out: DriverAction[]): void {
    out.push({ type: 'drop', cause, detail: detail.slice(0, 80) });
    this.commands.noise(out);
  }
}
