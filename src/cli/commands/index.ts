/* eslint-disable @typescript-eslint/no-require-imports */
/** One entry per `lowband <command>`: loaded lazily so `lowband tail` never loads noble or serialport. */
export type CommandModule = { run(argv: string[]): Promise<number> };

export const COMMANDS: Record<string, { summary: string; load: () => CommandModule }> = {
  run: { summary: 'run the gateway in the foreground (what systemd starts)', load: () => require('./run') as CommandModule },
  demo: { summary: 'run the gateway on emulated radios and print readings as they flow', load: () => require('./demo') as CommandModule },
  tail: { summary: 'subscribe to the data stream and print each reading', load: () => require('./tail') as CommandModule },
  decode: { summary: 'decode BLE adverts (ble) or LoRaWAN PHYPayloads (lora) from stdin, one JSON line each', load: () => require('./decode') as CommandModule },
  status: { summary: 'adapters, queues, spool, drops, sink cursors, uptime (--json)', load: () => require('./status') as CommandModule },
  scan: { summary: 'nearby BLE devices with their decoded type and last reading', load: () => require('./scan') as CommandModule },
  pair: { summary: 'enrol a BLE sensor: pair <MAC> [--name N] [--key HEX]', load: () => require('./pair') as CommandModule },
  unpair: { summary: 'remove an enrolled BLE sensor', load: () => require('./unpair') as CommandModule },
  devices: { summary: 'list enrolled BLE sensors', load: () => require('./devices') as CommandModule },
  doctor: { summary: 'check the installation and explain how to fix problems', load: () => require('./doctor') as CommandModule },
  backup: { summary: 'backup [--out FILE]: write state_dir (paired devices, keys, seq, spool) to one archive', load: () => require('./backup') as CommandModule },
  restore: { summary: 'restore FILE: put a backup back as state_dir (gateway stopped); seq never repeats', load: () => require('./restore') as CommandModule },
  keys: { summary: 'keys generate [--out DIR] [--name N]: write a CurveZMQ key pair', load: () => require('./keys') as CommandModule },
  collect: { summary: 'a reference backend: ROUTER that stores, acks and de-duplicates (--bind E [--out FILE])', load: () => require('./collect') as CommandModule },
  'config check': { summary: 'validate a config file and print what it would run', load: () => require('./config-check') as CommandModule },
};
