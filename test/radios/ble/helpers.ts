import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Reading } from '../../../src/core/reading';
import { BleStage } from '../../../src/pipeline/ble-stage';
import { BleAdapter, type BleAdapterOptions, type BleConfig } from '../../../src/radios/ble/adapter';
import { BlePairings } from '../../../src/radios/ble/pairings';
import { loadNoble, type LoadedNoble } from '../../../src/radios/ble/noble-loader';
import type { BleClock } from '../../../src/radios/ble/scanner';
import { createEmulatedBle, type EmulatedBle, type SensorSpec } from '../../../hardware/emulators/ble/index';
import { stubDecode } from './stub-decoder';

/** Resolves when `cond()` holds, checking every few ms; rejects after `timeoutMs` with `what`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A pino logger that keeps its JSON lines in memory. */
export function memoryLogger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

/** Manual clock for watchdog tests: timers fire only when `advance()` passes them. */
export class FakeClock implements BleClock {
  t = 1_700_000_000_000;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void; every?: number }>();
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown { const id = ++this.seq; this.timers.set(id, { at: this.t + ms, fn }); return id; }
  clearTimeout(h: unknown): void { this.timers.delete(h as number); }
  setInterval(fn: () => void, ms: number): unknown { const id = ++this.seq; this.timers.set(id, { at: this.t + ms, fn, every: ms }); return id; }
  clearInterval(h: unknown): void { this.timers.delete(h as number); }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void; every?: number }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      const [id, tm] = next;
      this.t = tm.at;
      if (tm.every) tm.at += tm.every; else this.timers.delete(id);
      tm.fn();
    }
    this.t = end;
  }
}

/**
 * Everything a BLE test needs: emulator, adapter on noble's real HCI code, its decoding stage
 * (wired as src/gateway/assemble.ts wires them), the readings the stage handed on.
 */
export interface Rig {
  emu: EmulatedBle;
  adapter: BleAdapter;
  stage: BleStage;
  readings: Reading[];
  lines: string[];
  stateDir: string;
  loaded(): LoadedNoble | undefined;
  byDevice(mac: string): Reading[];
  close(): Promise<void>;
}

/** Builds and starts a rig; `config` overrides the `ble` defaults. */
export async function makeRig(o: {
  config?: Partial<BleConfig>;
  sensors?: SensorSpec[];
  clock?: BleClock;
  watchdogMs?: number;
  decode?: BleAdapterOptions['decode'] | null;
  stateDir?: string;
  counterFlushMs?: number;
} = {}): Promise<Rig> {
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), 'lowband-ble-'));
  const ownsDir = o.stateDir === undefined;
  const emu = createEmulatedBle({ sensors: o.sensors });
  const { log, lines } = memoryLogger();
  let loaded: LoadedNoble | undefined;
  const config: BleConfig = { enabled: true, hci: 0, forward: 'paired', min_rssi: -100, watchdog_s: 120, max_devices: 2048, emulate: false, ...o.config };
  const decode = o.decode === null ? undefined : (o.decode ?? stubDecode);
  const clock = o.clock;
  const pairings = new BlePairings(stateDir, log, { adapter: 'ble0' });
  const stage = new BleStage({
    forward: config.forward, maxDevices: config.max_devices, stateDir, log: log.child({ adapter: 'ble0' }), pairings,
    decode, now: clock ? () => clock.now() : undefined, counterFlushMs: o.counterFlushMs,
  });
  const adapter = new BleAdapter({
    config, stateDir, log, socket: emu.socket, clock, watchdogMs: o.watchdogMs, decode, pairings, decoding: stage,
    load: (opts) => {
      const r = loadNoble(opts);
      if (!('error' in r)) loaded = r;
      return r;
    },
  });
  const readings: Reading[] = [];
  await pairings.open();
  stage.open();
  await adapter.start((r) => {
    const d = stage.process(r);
    if (d) readings.push(d);
  });
  return {
    emu, adapter, stage, readings, lines, stateDir,
    loaded: () => loaded,
    byDevice: (mac) => readings.filter((r) => r.device === mac),
    async close() {
      await adapter.stop();
      stage.close();
      emu.stop();
      if (ownsDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
