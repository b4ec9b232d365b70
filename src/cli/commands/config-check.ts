import { gatewayId, loadConfig, DEFAULT_CONFIG_PATH } from '../../config/load';
import { configOption, parse } from '../args';
import { msText, sizeText } from '../format';

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
    publish: [
      ...cfg.upstream.publish.bind.map((e) => `bind ${e}`),
      ...cfg.upstream.publish.connect.map((e) => `connect ${e}`),
      `hwm ${cfg.upstream.publish.hwm}, queue ${cfg.upstream.publish.queue_messages} messages / ${sizeText(cfg.upstream.publish.queue_bytes)}, ${cfg.upstream.publish.overflow}`,
    ],
    reliable: cfg.upstream.reliable
      ? `${cfg.upstream.reliable.connect}, window ${cfg.upstream.reliable.window}, ack timeout ${msText(cfg.upstream.reliable.ack_timeout_ms)}`
      : 'off',
    mqtt: cfg.upstream.mqtt ? cfg.upstream.mqtt.url : 'off',
    nats: cfg.upstream.nats ? `${cfg.upstream.nats.url.join(', ')} stream ${cfg.upstream.nats.stream}, subjects ${cfg.upstream.nats.subject_prefix}.${gatewayId(cfg)}.>` : 'off',
    curve: cfg.upstream.curve ? 'on' : 'off',
    spool: `${sizeText(cfg.spool.max_bytes)} on disk, fsync every ${msText(cfg.spool.fsync_ms)}, segments of ${sizeText(cfg.spool.segment_bytes)}`,
    dedup: `window ${msText(cfg.dedup.window_ms)}, runs end after ${msText(cfg.dedup.run_gap_ms)} of silence or ${msText(cfg.dedup.run_max_ms)}`,
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
        process.stdout.write(`  ${k}: ${v}\n`);
      }
    }
  }
  return 0;
}
