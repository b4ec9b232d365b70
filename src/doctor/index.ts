import { readFileSync } from 'node:fs';
import { callControl } from '../control/client';
import { MODEM_PROFILES } from '../radios/lora/profiles';
import { freeBytes, runChecks, tcpReachable, writeTest, type CheckResult, type DoctorEnv } from './checks';
import { probeSerial } from './probe';

export { runChecks, type CheckResult, type CheckLevel, type DoctorEnv, type ProbeOutcome } from './checks';

/** The real host: /proc, /sys, /etc/group, serial ports, the network. */
export function hostDoctorEnv(configPath: string, over: Partial<DoctorEnv> = {}): DoctorEnv {
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  const gids = new Set<number>(process.getgroups?.() ?? []);
  if (process.getgid) gids.add(process.getgid());
  return {
    configPath,
    profiles: MODEM_PROFILES,
    probe: probeSerial,
    tcpReachable,
    freeBytes,
    writeTest,
    uid: process.getuid?.() ?? 0,
    gids: [...gids],
    groupFile: read('/etc/group'),
    procStatus: read('/proc/self/status'),
    bluetoothDir: '/sys/class/bluetooth',
    serialByIdDir: '/dev/serial/by-id',
    pingGateway: async (socket) => {
      try {
        const r = (await callControl(socket, 'ping', {}, 2000)) as { pid?: unknown };
        return { pid: typeof r?.pid === 'number' ? r.pid : 0 };
      } catch (err) {
        return { error: (err as Error).message };
      }
    },
    now: () => new Date(),
    nodeVersion: process.versions.node,
    loadBleAddon: () => {
      try {
        // Loads the native addon only; noble (which opens a socket on require) is not touched.
        require('@abandonware/bluetooth-hci-socket');
        return true;
      } catch (err) {
        return (err as Error).message;
      }
    },
    probeTimeoutMs: 1000,
    connectTimeoutMs: 3000,
    ...over,
  };
}

/** `ok    name  detail` lines, each problem followed by its `fix:`. */
export function formatResults(results: CheckResult[]): string {
  const w = Math.max(...results.map((r) => r.name.length), 4);
  return results
    .map((r) => `${r.level.padEnd(4)}  ${r.name.padEnd(w)}  ${r.detail}\n` + (r.fix && r.level !== 'ok' ? `${' '.repeat(6 + w)}fix: ${r.fix}\n` : ''))
    .join('');
}

/** Runs the checks on this host. */
export function doctor(configPath: string, over: Partial<DoctorEnv> = {}): Promise<CheckResult[]> {
  return runChecks(hostDoctorEnv(configPath, over));
}
