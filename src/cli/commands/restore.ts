import { callControl } from '../../control/client';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config/load';
import { parseCommand } from '../args';
import { archiveFailure, restoreBackup } from './state-archive';

const USAGE = 'usage: lowband restore FILE [--config P] [--force]\n' +
  '  replaces state_dir with a `lowband backup` archive (the gateway must be stopped); the state it\n' +
  '  replaces is kept as <state_dir>.before-restore-<time>. Numbering resumes above every seq sent\n' +
  '  before, using the clock: --force restores even when the clock is earlier than the backup';

/** `lowband restore FILE`: puts a backup back as state_dir, with seq lifted so it never repeats. */
export async function run(argv: string[]): Promise<number> {
  const p = parseCommand('restore', USAGE, argv, { config: { type: 'string', short: 'c' }, force: { type: 'boolean' } }, true);
  if (typeof p === 'number') return p;
  if (p.positionals.length !== 1) {
    process.stderr.write(`lowband restore: name one backup file\n${USAGE}\n`);
    return 2;
  }
  const cfg = loadConfig(p.values.config ?? DEFAULT_CONFIG_PATH);
  const running = await callControl(cfg.control.socket, 'ping', {}, 2000).then(() => true, () => false);
  if (running) {
    process.stderr.write(`lowband restore: the gateway is running (${cfg.control.socket}); stop it first: sudo systemctl stop lowband\n`);
    return 1;
  }
  try {
    const r = restoreBackup(p.positionals[0], cfg.state_dir, { force: p.values.force });
    process.stdout.write(
      `restored ${cfg.state_dir} from ${r.manifest.host} (${r.manifest.created_at}, lowband ${r.manifest.version})\n` +
        `seq resumes at or above ${r.seqFloor} (above every number sent before this restore)\n` +
        (r.previous ? `the replaced state is in ${r.previous}: to roll back, move it back; once happy: sudo rm -r ${r.previous}\n` : '') +
        'start the gateway: sudo systemctl start lowband\n',
    );
    return 0;
  } catch (err) {
    return archiveFailure('restore', err);
  }
}
