import { gatewayId, loadConfig, DEFAULT_CONFIG_PATH } from '../../config/load';
import { configOption, parse } from '../args';

/** `lowband config check [--config P]`: validate and print what would run (no secrets). */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...configOption, json: { type: 'boolean', default: false } });
  const path = values.config ?? DEFAULT_CONFIG_PATH;
  const cfg = loadConfig(path);
  const summary = {
    config: path,
    gateway: gatewayId(cfg),
    state_dir: cfg.state_dir,
    lora: cfg.lora.map((l) => `${l.name}: ${l.modem} on ${l.port} @ ${l.radio.freq} Hz SF${l.radio.sf} BW${l.radio.bw}`),
    udp: cfg.udp.map((u) => `${u.name}: Semtech UDP on ${u.bind}`),
    lorawan_devices: cfg.lorawan.devices.map((d) => `${d.devaddr}${d.name ? ` (${d.name})` : ''} codec=${d.codec}`),
    ble: cfg.ble.enabled ? `hci${cfg.ble.hci}, forward ${cfg.ble.forward}, min_rssi ${cfg.ble.min_rssi}` : 'disabled',
    publish: { bind: cfg.upstream.publish.bind, connect: cfg.upstream.publish.connect, hwm: cfg.upstream.publish.hwm },
    reliable: cfg.upstream.reliable ? cfg.upstream.reliable.connect : 'off',
    mqtt: cfg.upstream.mqtt ? cfg.upstream.mqtt.url : 'off',
    nats: cfg.upstream.nats ? `${cfg.upstream.nats.url.join(', ')} stream ${cfg.upstream.nats.stream}, subjects ${cfg.upstream.nats.subject_prefix}.${gatewayId(cfg)}.>` : 'off',
    curve: cfg.upstream.curve ? 'on' : 'off',
    spool: `${cfg.spool.max_bytes} bytes, fsync every ${cfg.spool.fsync_ms} ms`,
    control: cfg.control.socket,
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  } else {
    process.stdout.write(`config ok: ${path}\n`);
    for (const [k, v] of Object.entries(summary)) {
      if (k === 'config') continue;
      if (Array.isArray(v)) {
        process.stdout.write(`  ${k}:${v.length === 0 ? ' none' : ''}\n`);
        for (const item of v) process.stdout.write(`    - ${item}\n`);
      } else {
        process.stdout.write(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}\n`);
      }
    }
  }
  return 0;
}
