import type { ModemProfile } from '../radios/lora/modem-driver';
import type { PlatformEnv } from './platform';
import type { ProbeOutcome } from './result';

/** Everything the checks touch, injectable so tests can build healthy and broken hosts. */
export interface DoctorEnv extends PlatformEnv {
  configPath: string;
  /** Known modem families (MODEM_PROFILES). */
  profiles: ModemProfile[];
  /** Opens `path`, writes the probe and waits up to `timeoutMs` for a matching line. */
  probe(path: string, baud: number, profile: ModemProfile, timeoutMs: number): Promise<ProbeOutcome>;
  /** Resolves true when a TCP connection to host:port succeeds within `timeoutMs`. */
  tcpReachable(host: string, port: number, timeoutMs: number): Promise<true | string>;
  /** Free bytes for unprivileged users on the file system holding `path`. */
  freeBytes(path: string): Promise<number>;
  /** Creates and removes a file in `dir`; rejects with the errno when that fails. */
  writeTest(dir: string): Promise<void>;
  uid: number;
  /** Our supplementary and primary group ids. */
  gids: number[];
  /** /etc/group text (to find dialout's gid). */
  groupFile: string;
  /** /proc/self/status text (CapEff). */
  procStatus: string;
  /** Directory of Bluetooth controllers (/sys/class/bluetooth). */
  bluetoothDir: string;
  /** Directories listed for `port: auto` (usually /dev/serial/by-id). */
  serialByIdDir: string;
  /** Asks the running gateway for `ping` on its control socket; resolves its pid or an error text. */
  pingGateway(socketPath: string): Promise<{ pid: number } | { error: string }>;
  /** The control socket to ping instead of the config's control.socket (`doctor --socket`). */
  controlSocket?: string;
  now(): Date;
  probeTimeoutMs: number;
  connectTimeoutMs: number;
}
