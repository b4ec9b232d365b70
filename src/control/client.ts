import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config/load';
import type { ControlResponse, TrimmedList } from './protocol';

/** A control call that failed; `message` is meant for the person at the terminal. */
export class ControlCallError extends Error {
  constructor(
    message: string,
    /** `not-running`, `permission`, `timeout`, `protocol`, `refused` (the gateway said no). */
    readonly kind: 'not-running' | 'permission' | 'timeout' | 'protocol' | 'refused',
  ) {
    super(message);
  }
}

/** Largest response accepted; a status of a busy gateway is a few tens of KiB. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Sends one request to the running gateway and resolves with its `result`.
 * Rejects with a ControlCallError whose message says what to do. `onTrimmed` hears which
 * lists the gateway cut to keep its reply within its size bound.
 */
export function callControl(
  socketPath: string,
  cmd: string,
  args: Record<string, unknown> = {},
  timeoutMs = 5000,
  onTrimmed?: (trimmed: TrimmedList[]) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    let buf = '';
    let done = false;
    const finish = (err: Error | null, value?: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new ControlCallError(`no answer from lowband on ${socketPath} within ${timeoutMs} ms`, 'timeout')),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify({ id: 1, cmd, args }) + '\n'));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_RESPONSE_BYTES) {
        finish(new ControlCallError('response from lowband is too large', 'protocol'));
        return;
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let res: ControlResponse;
      try {
        res = JSON.parse(buf.slice(0, nl)) as ControlResponse;
      } catch {
        finish(new ControlCallError('lowband sent a response that is not JSON', 'protocol'));
        return;
      }
      if (res && res.ok === true) {
        if (Array.isArray(res.trimmed) && res.trimmed.length > 0) onTrimmed?.(res.trimmed);
        finish(null, res.result);
      }
      else if (res && res.ok === false) finish(new ControlCallError(String(res.error), 'refused'));
      else finish(new ControlCallError('lowband sent a malformed response', 'protocol'));
    });
    sock.on('error', (err: NodeJS.ErrnoException) => finish(explain(err, socketPath)));
    sock.on('close', () => finish(new ControlCallError('lowband closed the control connection without answering', 'protocol')));
  });
}

/** Turns a socket error into a sentence that names the fix. */
function explain(err: NodeJS.ErrnoException, path: string): ControlCallError {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ControlCallError(
        `lowband is not running (no control socket at ${path}); start it with: sudo systemctl start lowband`,
        'not-running',
      );
    case 'ECONNREFUSED':
      return new ControlCallError(
        `lowband is not running (stale control socket at ${path}); start it with: sudo systemctl start lowband`,
        'not-running',
      );
    case 'EACCES':
    case 'EPERM':
      return new ControlCallError(
        `permission denied on ${path}: add your user to the lowband group ` +
          '(sudo usermod -aG lowband $USER, then log out and in again) or run with sudo',
        'permission',
      );
    default:
      return new ControlCallError(`cannot reach lowband on ${path}: ${err.message}`, 'protocol');
  }
}

/**
 * The control socket a CLI command should use: `--socket` wins, else `control.socket`
 * from the config at `--config` (default path). Throws ConfigError for a bad config.
 */
export function resolveControlSocket(opts: { config?: string; socket?: string }): string {
  if (opts.socket) return opts.socket;
  // Without an explicit --config, a host with no config file yet still finds the default socket.
  if (opts.config === undefined && !existsSync(DEFAULT_CONFIG_PATH)) return DEFAULT_CONTROL_SOCKET;
  return loadConfig(opts.config ?? DEFAULT_CONFIG_PATH).control.socket;
}

/** Where the service listens unless `control.socket` says otherwise. */
export const DEFAULT_CONTROL_SOCKET = '/run/lowband/control.sock';

/**
 * Shared tail of the control CLI commands: resolve the socket, call, and map failures to
 * exit codes (2 bad config, 1 runtime). Prints the error itself; returns the result or a code.
 */
export async function callFromCli(
  opts: { config?: string; socket?: string },
  cmd: string,
  args: Record<string, unknown>,
  timeoutMs: number,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<{ result: unknown } | { exit: number }> {
  let path: string;
  try {
    path = resolveControlSocket(opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      stderr.write(`lowband: ${err.message}\n`);
      return { exit: 2 };
    }
    throw err;
  }
  const trimmedNote = (t: TrimmedList[]): void => {
    const what = t.slice(0, 5).map((x) => `${x.path} (${x.kept} of ${x.kept + x.omitted})`).join(', ');
    stderr.write(`lowband ${cmd}: reply shortened to fit the gateway's size bound: ${what}${t.length > 5 ? `, and ${t.length - 5} more` : ''}\n`);
  };
  try {
    return { result: await callControl(path, cmd, args, timeoutMs, trimmedNote) };
  } catch (err) {
    stderr.write(`lowband ${cmd}: ${(err as Error).message}\n`);
    return { exit: 1 };
  }
}
