import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/load';
import type { CheckResult } from './result';

/** Node majors the gateway supports; the BLE addon shipped in the .deb is built for the first. */
export const SUPPORTED_NODE_MAJOR = 20;

/** The Node version and whether the BLE HCI addon loads here (injectable for tests). */
export interface PlatformEnv {
  /** process.versions.node */
  nodeVersion: string;
  /** Loads the native HCI addon (without opening a socket): true, or the load error's message. */
  loadBleAddon(): true | string;
}

/** Node 20 or later; below that the gateway does not start. */
export function checkNode(env: PlatformEnv, out: CheckResult[]): void {
  const major = Number(env.nodeVersion.split('.')[0]);
  if (major >= SUPPORTED_NODE_MAJOR) {
    out.push({ level: 'ok', name: 'node', detail: `Node.js ${env.nodeVersion} (supported: ${SUPPORTED_NODE_MAJOR} or later)` });
    return;
  }
  out.push({
    level: 'FAIL', name: 'node',
    detail: `Node.js ${env.nodeVersion} is too old; lowband needs ${SUPPORTED_NODE_MAJOR} or later`,
    fix: 'on Debian/Raspberry Pi OS trixie: sudo apt install nodejs (20.19); on bookworm see docs/install.md (NodeSource 20.x)',
  });
}

/**
 * The HCI addon is a nan addon: it loads only on the Node major it was compiled for, and a
 * `npm ci` on a Pi without a compiler leaves it missing. Either way BLE would fail at start.
 */
export function checkBleAddon(env: PlatformEnv, bleEnabled: boolean, out: CheckResult[]): void {
  const r = env.loadBleAddon();
  if (r === true) {
    out.push({ level: 'ok', name: 'ble-addon', detail: `the Bluetooth HCI addon loads on Node.js ${env.nodeVersion}` });
    return;
  }
  const abi = /NODE_MODULE_VERSION (\d+)[^]*?NODE_MODULE_VERSION (\d+)/.exec(r);
  const missing = /Cannot find module|ENOENT/.test(r);
  out.push({
    level: bleEnabled ? 'FAIL' : 'warn',
    name: 'ble-addon',
    detail: abi
      ? `the Bluetooth HCI addon was built for another Node.js (module version ${abi[1]}, this Node needs ${abi[2]})`
      : missing
        ? 'the Bluetooth HCI addon is not built (no bluetooth_hci_socket.node)'
        : `the Bluetooth HCI addon does not load: ${r.split('\n')[0]}`,
    fix: abi
      ? `the packaged addon is built for Node.js ${SUPPORTED_NODE_MAJOR}: install nodejs ${SUPPORTED_NODE_MAJOR}.x (sudo apt install nodejs), or set ble.enabled: false`
      : 'reinstall the package (sudo apt install --reinstall lowband); from a source checkout: sudo apt install build-essential && npm rebuild @abandonware/bluetooth-hci-socket' +
        (bleEnabled ? '' : ' (BLE is disabled in the config, so only BLE is affected)'),
  });
}

/** Files that hold secrets: BLE keys of paired sensors, CURVE secret keys, broker credentials. */
export function secretFiles(cfg: Config): string[] {
  const files = [join(cfg.state_dir, 'paired.json')];
  if (cfg.upstream.curve) files.push(cfg.upstream.curve.secret_key_file);
  if (cfg.upstream.mqtt?.password_file) files.push(cfg.upstream.mqtt.password_file);
  if (cfg.upstream.mqtt?.key_file) files.push(cfg.upstream.mqtt.key_file);
  return files;
}

const octal = (m: number): string => '0' + (m & 0o777).toString(8);

/**
 * state_dir holds the spool (every reading) and keys: nobody outside the service account and
 * its group may read it, nobody but the owner write it. Secret files may not be readable by
 * other users at all. Missing files are fine (not configured or not created yet).
 */
export async function checkFileModes(cfg: Config | undefined, out: CheckResult[]): Promise<void> {
  const dir = cfg?.state_dir ?? '/var/lib/lowband';
  const problems: string[] = [];
  const fixes: string[] = [];
  const st = await fsp.stat(dir).catch(() => undefined);
  if (st?.isDirectory() && (st.mode & 0o027) !== 0) {
    problems.push(`${dir} is ${octal(st.mode)} (group-writable or open to other users)`);
    fixes.push(`sudo chmod 0750 ${dir}`);
  }
  const keyDir = join(dir, 'keys');
  const extra = await fsp.readdir(keyDir).then((names) => names.filter((n) => n.endsWith('.key')).map((n) => join(keyDir, n)), () => []);
  const files = [...new Set([...(cfg ? secretFiles(cfg) : [join(dir, 'paired.json')]), ...extra])];
  for (const f of files) {
    const fst = await fsp.stat(f).catch(() => undefined);
    if (!fst?.isFile()) continue;
    if ((fst.mode & 0o037) !== 0) {
      problems.push(`${f} is ${octal(fst.mode)} (secret: readable or writable beyond owner and group)`);
      fixes.push(`sudo chmod 0640 ${f}`);
    }
  }
  if (problems.length === 0) {
    out.push({ level: 'ok', name: 'file-modes', detail: `${dir} and the key files are closed to other users` });
    return;
  }
  out.push({ level: 'FAIL', name: 'file-modes', detail: problems.join('; '), fix: fixes.join(' && ') });
}
