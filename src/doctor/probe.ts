import { SerialPort } from 'serialport';
import type { ModemProfile } from '../radios/lora/modem-driver';
import type { ProbeOutcome } from './result';

/** Longest partial line kept while waiting for the answer; modems answer in one short line. */
const MAX_LINE = 512;

/**
 * Opens `path` at `baud`, writes the profile's probe command and waits up to `timeoutMs`
 * for a line the profile recognises. Always closes the port; never throws.
 */
export function probeSerial(path: string, baud: number, profile: ModemProfile, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let buf = '';
    const port = new SerialPort({ path, baudRate: baud, autoOpen: false });
    const finish = (r: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      port.removeAllListeners('data');
      if (port.isOpen) port.close(() => resolve(r));
      else resolve(r);
    };
    const timer = setTimeout(() => finish({}), timeoutMs);
    port.on('error', (err: Error) => finish({ error: codeOf(err) }));
    port.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      const lines = buf.split(/\r?\n|\r/);
      buf = (lines.pop() ?? '').slice(-MAX_LINE);
      for (const raw of lines) {
        const line = raw.trim();
        if (line && profile.probe.matches(line)) return finish({ line });
      }
    });
    port.open((err) => {
      if (err) return finish({ error: codeOf(err) });
      port.write(profile.probe.command + profile.eol, (werr) => {
        if (werr) finish({ error: codeOf(werr) });
      });
    });
  });
}

/** serialport puts the errno in the message ("Error: EACCES: permission denied, open ..."). */
function codeOf(err: Error): string {
  const m = /\b(E[A-Z]{3,})\b/.exec(err.message);
  if (m) return m[1];
  if (/lock/i.test(err.message)) return 'EBUSY';
  return err.message;
}
