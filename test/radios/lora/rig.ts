import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ModemEmulator, type ModemEmulatorOptions } from '../../../hardware/emulators/modem-emulator';
import type { Reading } from '../../../src/core/reading';
import { profileFor } from '../../../src/radios/lora/profiles';
import { SerialModemAdapter, type SerialModemOptions } from '../../../src/radios/lora/serial-adapter';
import { createLogger } from '../../../src/util/log';
import { until } from '../../helpers/processes';

/** One emulated modem family as the tests drive it. */
export interface Family {
  label: string;
  modem: ModemEmulatorOptions['modem'];
  oldFirmware?: boolean;
  baud?: number;
}

/** Every family and firmware the drivers support. */
export const FAMILIES: Family[] = [
  { label: 'rn2483', modem: 'rn2483' },
  { label: 'rak3172', modem: 'rak3172' },
  { label: 'rak3172 old firmware', modem: 'rak3172', oldFirmware: true, baud: 9600 },
  { label: 'wio-e5', modem: 'wio-e5' },
];

/**
 * A modem emulator on a socat pty and the production `SerialModemAdapter` on the other end, in
 * this process (no daemon): readings and log lines are collected for assertions. Packets carry
 * their number in bytes 1..4 so a test knows which were sent after a fault.
 */
export class ModemRig {
  readonly readings: { reading: Reading; at: number }[] = [];
  /** Send time of packet n (only those the emulated radio heard, i.e. while it was armed). */
  readonly heardAt = new Map<number, number>();
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly modem: ModemEmulator,
    readonly adapter: SerialModemAdapter,
    readonly logs: Record<string, unknown>[],
  ) {}

  static async start(t: TestContext, f: Family, opts: Partial<SerialModemOptions> = {}): Promise<ModemRig> {
    const dir = mkdtempSync(join(tmpdir(), 'lowband-rig-'));
    const modem = new ModemEmulator({ modem: f.modem, dir, name: 'm', oldFirmware: f.oldFirmware });
    t.after(async () => {
      await modem.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await modem.start();
    const logs: Record<string, unknown>[] = [];
    const log = createLogger('info', { destination: { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) } as unknown as NodeJS.WritableStream });
    const adapter = new SerialModemAdapter(
      { name: 'lora0', port: modem.hostPath, baud: f.baud, radio: { freq: 868_100_000, sf: 7, bw: 125, cr: '4/5' }, ...opts },
      profileFor(f.modem)!,
      log,
    );
    const rig = new ModemRig(modem, adapter, logs);
    t.after(async () => {
      rig.stopStream();
      await adapter.stop();
    });
    await adapter.start((reading) => rig.readings.push({ reading, at: Date.now() }));
    await until('modem receiving', () => adapter.status().state === 'running', 10_000, 10);
    return rig;
  }

  /** The radio hears packet number n now (lost, as on air, if receive is off). */
  hearNext(): number {
    const n = this.sent++;
    const p = Buffer.from([0xa5, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
    if (this.modem.hear(p, -70, 6)) this.heardAt.set(n, Date.now());
    return n;
  }

  /** Hear a packet every `intervalMs` until `stopStream`. */
  stream(intervalMs = 20): void {
    this.stopStream();
    this.timer = setInterval(() => this.hearNext(), intervalMs);
  }

  stopStream(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Packet numbers delivered to the pipeline, in order. */
  get delivered(): number[] {
    return this.readings.filter((r) => r.reading.raw[0] === 0xa5 && r.reading.raw.length === 5).map((r) => r.reading.raw.readUInt32BE(1));
  }

  /**
   * Milliseconds from `since` until the first packet sent after `since` was delivered: how long
   * the modem stayed deaf after a fault ended. Waits at most `timeoutMs` (then throws).
   */
  async hearsAgain(since: number, timeoutMs = 15_000): Promise<number> {
    const first = this.sent;
    const hit = await until(
      'a packet sent after the fault',
      () => this.readings.find((r) => r.reading.raw[0] === 0xa5 && r.reading.raw.length === 5 && r.reading.raw.readUInt32BE(1) >= first && r.at >= since),
      timeoutMs,
      5,
    );
    return hit.at - since;
  }

  logged(msg: string): number {
    return this.logs.filter((l) => l.msg === msg).length;
  }
}
