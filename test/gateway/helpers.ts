import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';

export const quiet = pino({ level: 'silent' });

/** A config with everything under a fresh temp dir (no fixed ports, BLE off unless given). */
export function tempConfig(extra: Record<string, unknown> = {}): { cfg: Config; dir: string; endpoint: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-gw-'));
  const endpoint = `ipc://${join(dir, 'pub.sock')}`;
  const cfg = parseConfig(
    JSON.stringify({
      gateway: { id: 'unit-gw' },
      state_dir: join(dir, 'state'),
      ble: { enabled: false },
      upstream: { publish: { bind: [endpoint] } },
      control: { socket: join(dir, 'control.sock') },
      stats: { interval_s: 0 },
      ...extra,
    }),
    'test config',
  );
  return { cfg, dir, endpoint, done: () => rmSync(dir, { recursive: true, force: true }) };
}
