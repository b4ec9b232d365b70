import { statSync } from 'node:fs';
import { callControl } from '../../control/client';
import { DEFAULT_CONFIG_PATH, gatewayId, loadConfig } from '../../config/load';
import { VERSION } from '../../gateway';
import { parseCommand } from '../args';
import { archiveFailure, writeBackup } from './state-archive';

const USAGE = 'usage: lowband backup [--config P] [--out FILE]\n' +
  '  writes state_dir (paired devices, keys, seq, frame counters, spool) to FILE (mode 0600),\n' +
  '  default ./lowband-backup-<gateway>-<UTC time>.tar.gz; restore it with: lowband restore FILE';

/** `lowband backup`: state_dir as one archive with a manifest that `lowband restore` checks. */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('backup', USAGE, argv, { config: { type: 'string', short: 'c' }, out: { type: 'string', short: 'o' } });
  if (typeof p === 'number') return p;
  const cfg = loadConfig(p.values.config ?? DEFAULT_CONFIG_PATH);
  const id = gatewayId(cfg);
  const now = new Date();
  const out = p.values.out ?? `lowband-backup-${id}-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`;
  const running = await callControl(cfg.control.socket, 'ping', {}, 2000).then(() => true, () => false);
  try {
    const m = writeBackup(cfg.state_dir, out, { version: VERSION, gateway: id }, now);
    const kib = Math.ceil(statSync(out).size / 1024);
    process.stdout.write(
      `backup: ${out} (${kib} KiB) of ${cfg.state_dir}, seq reserved up to ${m.seq ?? 'none yet'}\n` +
        'it holds the BLE keys of paired sensors and any secret keys in state_dir: keep it private\n',
    );
    if (running) {
      // Each small state file is replaced atomically, so they are consistent; the spool's
      // active segment can be mid-append (restore treats it like one after a power cut).
      process.stdout.write('note: the gateway was running; for an exact copy of the spool stop it first (sudo systemctl stop lowband)\n');
    }
    return 0;
  } catch (err) {
    return archiveFailure('backup', err);
  }
}
