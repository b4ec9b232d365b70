import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Write a gateway config for tests: everything under `dir`, no fixed ports, BLE off unless given. */
export function writeTestConfig(dir: string, extra: Record<string, unknown> = {}): { path: string; endpoint: string; control: string } {
  const endpoint = `ipc://${join(dir, 'pub.sock')}`;
  const control = join(dir, 'control.sock');
  const cfg = {
    gateway: { id: 'test-gw' },
    state_dir: join(dir, 'state'),
    ble: { enabled: false },
    upstream: { publish: { bind: [endpoint] } },
    control: { socket: control },
    stats: { interval_s: 0 },
    log: { level: 'info' },
    ...extra,
  };
  const path = join(dir, 'lowband.yaml');
  // JSON is valid YAML.
  writeFileSync(path, JSON.stringify(cfg, null, 2));
  return { path, endpoint, control };
}
