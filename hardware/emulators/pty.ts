import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A pseudo-terminal pair made by socat: `hostPath` is what the gateway opens, `devicePath` the emulator's end. */
export interface PtyPair {
  hostPath: string;
  devicePath: string;
  /** Pull the plug: both ends vanish, the gateway sees its port close. */
  unplug(): Promise<void>;
  /** Put it back under the same names (a new socat). */
  replug(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Make a pty pair with stable link names in `dir` (`<name>.host`, `<name>.dev`).
 * Resolves once socat reports both ptys and the links exist, so there is nothing to sleep on.
 */
/**
 * socat processes not yet stopped. Out of the terminal's process group, socat no longer dies
 * with us on Ctrl-C, so it is ended when this process exits without stop() (process.exit after
 * a second Ctrl-C, a crash).
 */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGTERM');
});

export async function openPtyPair(dir: string, name = 'modem'): Promise<PtyPair> {
  const hostPath = join(dir, `${name}.host`);
  const devicePath = join(dir, `${name}.dev`);
  let proc: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
        // Its own process group: Ctrl-C in a terminal reaches only lowband (the demo), which
        // stops the gateway first and socat after, instead of socat dying under the gateway
        // (a false "serial port lost"). stop()/close() end it.
        detached: true,
      });
      proc = p;
      live.add(p);
      p.once('exit', () => live.delete(p));
      let ptys = 0;
      let err = '';
      const onData = (d: Buffer) => {
        err += d.toString();
        ptys = (err.match(/PTY is /g) ?? []).length;
        if (/starting data transfer loop/.test(err) || ptys >= 2) {
          if (existsSync(hostPath) && existsSync(devicePath)) {
            p.stderr?.off('data', onData);
            p.stderr?.resume();
            resolve();
          }
        }
      };
      p.stderr?.on('data', onData);
      p.once('error', (e) => reject(new Error(`cannot start socat (apt-get install socat): ${e.message}`)));
      p.once('exit', (code) => reject(new Error(`socat exited (${code}): ${err.trim().slice(-200)}`)));
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const p = proc;
      proc = undefined;
      if (p) live.delete(p);
      if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
      p.removeAllListeners('exit');
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });

  await start();
  return { hostPath, devicePath, unplug: stop, replug: start, close: stop };
}
