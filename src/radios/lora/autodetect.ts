import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { LineSplitter } from './line-splitter';
import type { ModemProfile } from './modem-driver';

/**
 * `port: auto`: USB-serial bridge ids (CH340, CP210x, FTDI) don't say which modem is behind
 * them, so we ask: open each candidate port at the family's baud rate, send its harmless
 * version query and wait briefly for the answer.
 */

/** Serial ports worth probing, stable names first, each real device once. */
export function candidatePorts(dev = '/dev'): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    let real = p;
    try {
      real = realpathSync(p);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    out.push(p);
  };
  const list = (d: string) => {
    try {
      return readdirSync(d).sort();
    } catch {
      return [];
    }
  };
  for (const n of list(join(dev, 'serial', 'by-id'))) add(join(dev, 'serial', 'by-id', n));
  for (const n of list(dev)) if (/^tty(USB|ACM)\d+$/.test(n)) add(join(dev, n));
  return out;
}

/** Does `profile`'s modem answer on `path`? Never throws; false on any error or silence. */
export async function probePort(path: string, profile: ModemProfile, timeoutMs = 1000, baud?: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const port = new SerialPort({ path, baudRate: baud ?? profile.defaultBaud, autoOpen: false, lock: true });
    const lines = new LineSplitter(512);
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      port.removeAllListeners('data');
      if (port.isOpen) port.close(() => resolve(ok));
      else resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    port.on('error', () => finish(false));
    port.on('data', (chunk: Buffer) => {
      for (const l of lines.push(chunk)) if (profile.probe.matches(l)) return finish(true);
    });
    port.open((err) => {
      if (err) return finish(false);
      // A leading EOL flushes whatever half-typed command the modem may hold.
      port.write(profile.eol + profile.probe.command + profile.eol);
    });
  });
}

/** The first candidate port where `profile`'s modem answers, skipping ports in `exclude`. */
export async function findModemPort(
  profile: ModemProfile,
  opts: { candidates?: string[]; exclude?: Set<string>; timeoutMs?: number; baud?: number } = {},
): Promise<string | undefined> {
  for (const p of opts.candidates ?? candidatePorts()) {
    if (opts.exclude?.has(p)) continue;
    if (await probePort(p, profile, opts.timeoutMs, opts.baud)) return p;
  }
  return undefined;
}
