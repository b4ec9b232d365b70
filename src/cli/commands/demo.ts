import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../config/load';
import { createLogger } from '../../util/log';
import { ModemEmulator } from '../../../hardware/emulators/modem-emulator';
import { parse } from '../args';
import { runGateway } from './run';
import { tail } from './tail';

/**
 * `lowband demo`: the real gateway on emulated radios. An RN2483 emulator on a socat
 * pseudo-terminal plays a field sensor; the gateway reads it through serialport like real
 * hardware, and the readings printed here come back through a ZeroMQ subscriber, i.e. the
 * same wire a backend sees. Ctrl-C stops everything.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    endpoint: { type: 'string', default: 'tcp://127.0.0.1:5556' },
    interval: { type: 'string', default: '1000' },
    seconds: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const interval = Math.max(50, Number(values.interval) || 1000);
  const dir = mkdtempSync(join(tmpdir(), 'lowband-demo-'));
  const log = createLogger('info', { pretty: true });
  const modem = new ModemEmulator({ modem: 'rn2483', dir, name: 'rn2483' });
  try {
    await modem.start();
  } catch (err) {
    process.stderr.write(`lowband demo: ${(err as Error).message}\n`);
    rmSync(dir, { recursive: true, force: true });
    return 1;
  }
  const cfg = parseConfig(
    JSON.stringify({
      gateway: { id: 'demo' },
      state_dir: join(dir, 'state'),
      lora: [{ name: 'lora0', port: modem.hostPath, modem: 'rn2483' }],
      ble: { enabled: false },
      upstream: { publish: { bind: [values.endpoint] } },
      control: { socket: join(dir, 'control.sock') },
      stats: { interval_s: 10 },
    }),
    'demo config',
  );
  const ac = new AbortController();
  let printer: Promise<number> | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  const code = await runGateway(cfg, log, {}, async (gw) => {
    const endpoint = gw.publishEndpoints()[0] ?? values.endpoint!;
    log.info({ endpoint, control: cfg.control.socket }, `demo running: try "lowband tail --endpoint ${endpoint}" in another terminal; Ctrl-C stops`);
    printer = tail({ endpoint, filters: [], json: values.json!, signal: ac.signal });
    await modem.whenReceiving();
    // A field probe: temperature and humidity drifting, as raw P2P bytes.
    modem.stream(interval, (i) => {
      const t = Math.round((21 + 3 * Math.sin(i / 10)) * 10);
      const h = Math.round(55 + 10 * Math.cos(i / 15)) * 2;
      return Buffer.from([0x01, 0x67, (t >> 8) & 0xff, t & 0xff, 0x02, 0x68, h & 0xff]);
    });
    if (values.seconds) stopTimer = setTimeout(() => process.kill(process.pid, 'SIGINT'), Number(values.seconds) * 1000);
  });
  if (stopTimer) clearTimeout(stopTimer);
  ac.abort();
  await printer;
  await modem.stop();
  rmSync(dir, { recursive: true, force: true });
  return code;
}
