import { promises as fsp } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config/load';
import { checkNats } from './nats';
import type { DoctorEnv } from './env';
import { checkModems } from './modems';
import { checkBleAddon, checkFileModes, checkNode } from './platform';
import type { CheckResult } from './result';

export type { CheckLevel, CheckResult, ProbeOutcome } from './result';
export type { DoctorEnv } from './env';

/** Runs every check in order; never throws. */
export async function runChecks(env: DoctorEnv): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  checkNode(env, out);
  const cfg = checkConfig(env, out);
  checkSerialAccess(env, cfg, out);
  checkBleAddon(env, !cfg || (cfg.ble.enabled && !cfg.ble.emulate), out);
  if (cfg?.ble.enabled && cfg.ble.emulate) {
    // Emulated sensors go through noble's code without an adapter: nothing to check on the host.
    out.push({ level: 'ok', name: 'bluetooth', detail: 'ble.emulate: true: emulated sensors, no adapter or capabilities needed' });
  } else if (!cfg || cfg.ble.enabled) {
    checkBleCapabilities(env, out);
    await checkBluetooth(env, cfg?.ble.hci ?? 0, out);
  }
  if (cfg) {
    await checkModems(env, cfg, out);
    await checkUpstream(env, cfg, out);
    out.push(...(await checkNats(cfg, env.connectTimeoutMs)));
  }
  await checkStateDir(env, cfg, out);
  await checkFileModes(cfg, out);
  checkClock(env, out);
  await checkGateway(env, env.controlSocket ?? cfg?.control.socket ?? '/run/lowband/control.sock', out);
  return out;
}

async function checkGateway(env: DoctorEnv, socket: string, out: CheckResult[]): Promise<void> {
  const r = await env.pingGateway(socket);
  if ('pid' in r) {
    out.push({ level: 'ok', name: 'gateway', detail: `running (pid ${r.pid}), control socket ${socket}` });
  } else {
    // Not a failure: doctor is most useful before the first start.
    out.push({
      level: 'warn', name: 'gateway', detail: r.error,
      fix: 'sudo systemctl start lowband; if it does not stay up: journalctl -u lowband -n 50',
    });
  }
}

function checkConfig(env: DoctorEnv, out: CheckResult[]): Config | undefined {
  try {
    const cfg = loadConfig(env.configPath);
    out.push({
      level: 'ok',
      name: 'config',
      detail: `${env.configPath} is valid (${cfg.lora.length} LoRa modem(s), ${cfg.udp.length} UDP ingest(s), BLE ${cfg.ble.enabled ? 'on' : 'off'})`,
    });
    return cfg;
  } catch (err) {
    const msg = err instanceof ConfigError ? err.message : (err as Error).message;
    const missing = /a readable config file \(ENOENT\)/.test(msg);
    out.push({
      level: 'FAIL',
      name: 'config',
      detail: missing ? `${env.configPath} does not exist` : `${env.configPath}: ${msg}`,
      fix: missing
        ? `install it: sudo install -m 0640 -g lowband /opt/lowband/config/lowband.yaml ${env.configPath} (or pass --config PATH)`
        : `edit ${env.configPath} to fix the key named above, then re-run: lowband config check --config ${env.configPath}`,
    });
    return undefined;
  }
}

/** gid of a group from /etc/group text. */
export function groupId(groupFile: string, name: string): number | undefined {
  for (const line of groupFile.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3) return Number(f[2]);
  }
  return undefined;
}

function checkSerialAccess(env: DoctorEnv, cfg: Config | undefined, out: CheckResult[]): void {
  const name = 'serial-access';
  if (env.uid === 0) {
    out.push({ level: 'ok', name, detail: 'running as root' });
    return;
  }
  const dialout = groupId(env.groupFile, 'dialout');
  if (dialout !== undefined && env.gids.includes(dialout)) {
    out.push({ level: 'ok', name, detail: 'this user is in group dialout' });
    return;
  }
  out.push({
    level: cfg && cfg.lora.length > 0 ? 'FAIL' : 'warn',
    name,
    detail: 'this user is not in group dialout, so it cannot open serial modems (the service gets dialout from its unit)',
    fix: 'sudo usermod -aG dialout $USER, then log out and back in',
  });
}

const CAP_NET_ADMIN = 12n;
const CAP_NET_RAW = 13n;

/** Parses CapEff from /proc/<pid>/status. */
export function effectiveCaps(procStatus: string): bigint {
  const m = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(procStatus);
  return m ? BigInt('0x' + m[1]) : 0n;
}

function checkBleCapabilities(env: DoctorEnv, out: CheckResult[]): void {
  const caps = effectiveCaps(env.procStatus);
  const raw = (caps >> CAP_NET_RAW) & 1n;
  const admin = (caps >> CAP_NET_ADMIN) & 1n;
  if (raw && admin) {
    out.push({ level: 'ok', name: 'ble-capabilities', detail: 'CAP_NET_RAW and CAP_NET_ADMIN are effective' });
    return;
  }
  out.push({
    level: 'warn',
    name: 'ble-capabilities',
    detail:
      `this process lacks ${raw ? '' : 'CAP_NET_RAW '}${admin ? '' : 'CAP_NET_ADMIN '}`.trimEnd() +
      '; the lowband service gets both from its unit (AmbientCapabilities), a foreground `lowband run` does not',
    fix: 'run the gateway as the service: sudo systemctl start lowband (for foreground runs: sudo setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(command -v node)")")',
  });
}

async function checkBluetooth(env: DoctorEnv, hci: number, out: CheckResult[]): Promise<void> {
  const name = 'bluetooth';
  const dev = join(env.bluetoothDir, `hci${hci}`);
  let entries: string[];
  try {
    entries = await fsp.readdir(dev);
  } catch {
    let others: string[] = [];
    try {
      others = (await fsp.readdir(env.bluetoothDir)).filter((n) => /^hci\d+$/.test(n));
    } catch {
      /* no Bluetooth in the kernel at all */
    }
    out.push({
      level: 'FAIL',
      name,
      detail: `no Bluetooth adapter hci${hci}` + (others.length ? ` (present: ${others.join(', ')})` : ' (none present)'),
      fix: others.length
        ? `set ble.hci: ${others[0].slice(3)} in the config`
        : 'on a Pi: remove dtoverlay=disable-bt from /boot/firmware/config.txt and reboot (sudo systemctl status hciuart), or plug in a USB dongle; or set ble.enabled: false',
    });
    return;
  }
  for (const r of entries.filter((e) => e.startsWith('rfkill'))) {
    const read = async (f: string): Promise<string> => (await fsp.readFile(join(dev, r, f), 'utf8').catch(() => '')).trim();
    const [soft, hard] = [await read('soft'), await read('hard')];
    if (hard === '1') {
      out.push({ level: 'FAIL', name, detail: `hci${hci} is blocked by a hardware switch (rfkill hard)`, fix: 'turn the radio switch on; check rfkill list' });
      return;
    }
    if (soft === '1') {
      out.push({ level: 'FAIL', name, detail: `hci${hci} is soft-blocked (rfkill)`, fix: 'sudo rfkill unblock bluetooth' });
      return;
    }
  }
  // The UP flag is not in sysfs (it needs an HCI ioctl); the gateway powers the adapter on itself.
  out.push({ level: 'ok', name, detail: `hci${hci} present and not rfkill-blocked` });
}

/** host and port of `tcp://host:port` or `mqtt(s)://host[:port]`, else undefined. */
export function endpointHostPort(url: string): { host: string; port: number } | undefined {
  const m = /^(tcp|mqtts?):\/\/(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?/.exec(url);
  if (!m) return undefined;
  const host = m[2].replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : m[1] === 'mqtts' ? 8883 : 1883;
  if (m[1] === 'tcp' && !m[3]) return undefined;
  return { host, port };
}

async function checkUpstream(env: DoctorEnv, cfg: Config, out: CheckResult[]): Promise<void> {
  const targets: [string, string, string][] = [];
  if (cfg.upstream.reliable) targets.push(['upstream reliable', cfg.upstream.reliable.connect, 'upstream.reliable.connect']);
  if (cfg.upstream.mqtt) targets.push(['upstream mqtt', cfg.upstream.mqtt.url, 'upstream.mqtt.url']);
  for (const c of cfg.upstream.publish.connect) targets.push(['upstream publish', c, 'upstream.publish.connect']);
  for (const [name, url, key] of targets) {
    const hp = endpointHostPort(url);
    if (!hp) {
      out.push({ level: 'ok', name, detail: `${url} is not a TCP endpoint; not checked` });
      continue;
    }
    const r = await env.tcpReachable(hp.host, hp.port, env.connectTimeoutMs);
    out.push(
      r === true
        ? { level: 'ok', name, detail: `${hp.host}:${hp.port} accepts connections` }
        : {
            level: 'FAIL', name,
            detail: `${hp.host}:${hp.port} unreachable (${r})`,
            fix: `start the backend or fix ${key}; test from this host with: nc -vz ${hp.host} ${hp.port}`,
          },
    );
  }
}

async function checkStateDir(env: DoctorEnv, cfg: Config | undefined, out: CheckResult[]): Promise<void> {
  const dir = cfg?.state_dir ?? '/var/lib/lowband';
  const name = 'state-dir';
  let st;
  try {
    st = await fsp.stat(dir);
  } catch {
    out.push({
      level: 'warn', name, detail: `${dir} does not exist yet`,
      fix: `the service creates it (StateDirectory=lowband); for a foreground run: sudo install -d -m 0750 -o lowband -g lowband ${dir}`,
    });
    return;
  }
  if (!st.isDirectory()) {
    out.push({ level: 'FAIL', name, detail: `${dir} is not a directory`, fix: `move it away and let the service recreate it: sudo mv ${dir} ${dir}.old` });
    return;
  }
  try {
    await env.writeTest(dir);
    out.push({ level: 'ok', name, detail: `${dir} is writable` });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A person running doctor is usually not the service user: a lowband-owned 0750 dir is fine.
    if (code === 'EACCES' && env.uid !== 0 && st.uid !== env.uid && (st.mode & 0o200)) {
      out.push({ level: 'ok', name, detail: `${dir} exists (owned by uid ${st.uid}; not writable by this user, which is expected)` });
    } else {
      out.push({
        level: 'FAIL', name, detail: `${dir} is not writable (${code ?? (err as Error).message})`,
        fix: code === 'EROFS'
          ? 'the file system is read-only: check dmesg for SD card errors and remount, or move state_dir'
          : `sudo chown -R lowband:lowband ${dir} && sudo chmod 0750 ${dir}`,
      });
      return;
    }
  }
  try {
    const free = await env.freeBytes(dir);
    const want = cfg?.spool.max_bytes ?? 64 * 1024 * 1024;
    const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;
    if (free < 1024 * 1024) {
      out.push({ level: 'FAIL', name: 'disk-space', detail: `${mib(free)} free under ${dir}`, fix: 'free disk space: sudo journalctl --vacuum-size=50M; sudo apt clean' });
    } else if (free < want) {
      out.push({
        level: 'warn', name: 'disk-space', detail: `${mib(free)} free under ${dir}, less than spool.max_bytes (${mib(want)})`,
        fix: 'free disk space or lower spool.max_bytes',
      });
    } else {
      out.push({ level: 'ok', name: 'disk-space', detail: `${mib(free)} free under ${dir}` });
    }
  } catch (err) {
    out.push({ level: 'warn', name: 'disk-space', detail: `cannot read free space: ${(err as Error).message}` });
  }
}

function checkClock(env: DoctorEnv, out: CheckResult[]): void {
  const now = env.now();
  if (now.getUTCFullYear() >= 2024) {
    out.push({ level: 'ok', name: 'clock', detail: now.toISOString() });
  } else {
    out.push({
      level: 'FAIL', name: 'clock', detail: `system time is ${now.toISOString()}; readings would carry wrong timestamps`,
      fix: 'a Pi has no RTC: enable time sync and wait for the network: sudo timedatectl set-ntp true; timedatectl status',
    });
  }
}

/** TCP reachability with a timeout (default implementation for DoctorEnv). */
export function tcpReachable(host: string, port: number, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (r: true | string): void => {
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Writes and removes a probe file (default implementation for DoctorEnv). */
export async function writeTest(dir: string): Promise<void> {
  const probe = join(dir, `.doctor-${process.pid}`);
  await fsp.writeFile(probe, 'x');
  await fsp.unlink(probe);
}

/** Free bytes via statfs (default implementation for DoctorEnv). */
export async function freeBytes(path: string): Promise<number> {
  const s = await fsp.statfs(path);
  return Number(s.bavail) * Number(s.bsize);
}
