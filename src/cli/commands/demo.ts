import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../config/load';
import { callControl } from '../../control/client';
import { createLogger } from '../../util/log';
import { createEmulatedBle } from '../../../hardware/emulators/ble';
import { AbpDevice } from '../../../hardware/emulators/lorawan-device';
import { ModemEmulator } from '../../../hardware/emulators/modem-emulator';
import { parse } from '../args';
import { controlTarget } from '../control-target';
import { commandPrefix, makeDemoDir, shellWord } from '../demo-place';
import { runGateway } from './run';
import { tail } from './tail';

/** ABP session of the demo's emulated field probe (made-up keys, used nowhere else). */
const DEMO_DEVICE = { devaddr: '26011bda', nwkskey: '3c8f262739bfe3b7bc0826991ad0504d', appskey: 'b0b36a5dd3b6f1e0c7a3d1e2f4a5b6c7' };
const TAIL_DEFAULT = 'tcp://127.0.0.1:5556';

/**
 * The demo's directory: the fixed per-user one that commands find by default, unless another
 * demo of this user is running there (its socket answers), then a temporary one.
 */
async function placeDemo(): Promise<{ dir: string; fixed: boolean }> {
  const place = makeDemoDir();
  const sock = join(place.dir, 'control.sock');
  if (place.fixed && existsSync(sock)) {
    const live = await callControl(sock, 'ping', {}, 1000).then(() => true, () => false);
    if (live) {
      return { dir: mkdtempSync(join(tmpdir(), 'lowband-demo-')), fixed: false };
    }
  }
  return place;
}

/**
 * The lines printed once the gateway runs: commands that work as printed, in the form this
 * process was started with, with --socket / --endpoint only where the defaults would not
 * find this demo. Short lines: nothing wraps mid-command in an 80-column terminal.
 */
export function banner(o: { prefix: string; endpoint: string; socket: string; socketFoundByDefault: boolean; configPath: string }): string {
  const cmd = (args: string[]) => `${o.prefix} ${args.map(shellWord).join(' ')}`;
  const tailCmd = cmd(o.endpoint === TAIL_DEFAULT ? ['tail'] : ['tail', '--endpoint', o.endpoint]);
  const at = o.socketFoundByDefault ? [] : ['--socket', o.socket];
  return [
    'lowband demo: the gateway runs on emulated radios; its readings print below.',
    'In another terminal, in this directory:',
    `  ${tailCmd}`,
    `  ${cmd(['status', ...at])}`,
    `  ${cmd(['scan', ...at])}`,
    `  ${cmd(['doctor', '--config', o.configPath])}`,
    'Ctrl-C stops the demo.',
    '',
  ].join('\n');
}

/**
 * `lowband demo`: the real gateway on emulated radios. An RN2483 emulator on a socat
 * pseudo-terminal hears a LoRaWAN field probe (encrypted, Cayenne LPP) and a raw P2P sender;
 * BLE sensors are played into noble's own HCI code. The readings printed here come back
 * through a ZeroMQ subscriber, the same wire a backend sees. Ctrl-C stops everything.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    endpoint: { type: 'string', default: TAIL_DEFAULT },
    interval: { type: 'string', default: '2000' },
    seconds: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const interval = Math.max(100, Number(values.interval) || 2000);
  const { dir, fixed } = await placeDemo();
  const log = createLogger('info', { pretty: true });
  const modem = new ModemEmulator({ modem: 'rn2483', dir, name: 'rn2483' });
  try {
    await modem.start();
  } catch (err) {
    process.stderr.write(`lowband demo: ${(err as Error).message}\n`);
    rmSync(dir, { recursive: true, force: true });
    return 1;
  }
  const ble = createEmulatedBle({ intervalMs: interval });
  // Written to a file so `lowband doctor --config` can check this very demo.
  const configPath = join(dir, 'lowband.yaml');
  const yaml = stringify({
    gateway: { id: 'demo' },
    state_dir: join(dir, 'state'),
    lora: [{ name: 'lora0', port: modem.hostPath, modem: 'rn2483' }],
    lorawan: { devices: [{ ...DEMO_DEVICE, codec: 'cayenne', name: 'field-probe' }] },
    // emulate: what doctor reads; the sensors themselves come in through bleSocket below.
    ble: { enabled: true, forward: 'paired', emulate: true },
    upstream: { publish: { bind: [values.endpoint] } },
    control: { socket: join(dir, 'control.sock') },
    stats: { interval_s: 30 },
  });
  writeFileSync(configPath, `# written by lowband demo; removed when it stops\n${yaml}`, { mode: 0o600 });
  const cfg = parseConfig(yaml, configPath);
  const ac = new AbortController();
  let printer: Promise<number> | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  const code = await runGateway(cfg, log, { bleSocket: ble.socket }, async (gw) => {
    const endpoint = gw.publishEndpoints()[0] ?? values.endpoint!;
    const socket = cfg.control.socket;
    const socketFoundByDefault = fixed && controlTarget({}, () => {}).socket === socket;
    process.stderr.write(banner({ prefix: commandPrefix(), endpoint, socket, socketFoundByDefault, configPath }));
    printer = tail({ endpoint, filters: [], json: values.json!, signal: ac.signal });
    // Enrol the emulated sensors, as a user would with `lowband pair`.
    for (const s of ble.sensors) await gw.ble?.pair(s.mac, { name: s.name, key: s.key });
    ble.start();
    await modem.whenReceiving();
    const probe = new AbpDevice(DEMO_DEVICE.devaddr, Buffer.from(DEMO_DEVICE.nwkskey, 'hex'), Buffer.from(DEMO_DEVICE.appskey, 'hex'));
    modem.stream(interval, (i) => {
      if (i % 2 === 1) return Buffer.from(`p2p hello ${i}`);
      const t = Math.round((21 + 3 * Math.sin(i / 10)) * 10);
      const h = Math.round(55 + 10 * Math.cos(i / 15)) * 2;
      // Cayenne LPP: channel 1 temperature (0.1 °C), channel 2 humidity (0.5 %).
      return probe.uplink(Buffer.from([0x01, 0x67, (t >> 8) & 0xff, t & 0xff, 0x02, 0x68, h & 0xff]), 1);
    });
    if (values.seconds) stopTimer = setTimeout(() => process.kill(process.pid, 'SIGINT'), Number(values.seconds) * 1000);
  });
  if (stopTimer) clearTimeout(stopTimer);
  ble.stop();
  ac.abort();
  await printer;
  await modem.stop();
  rmSync(dir, { recursive: true, force: true });
  return code;
}
