/* eslint-disable @typescript-eslint/no-require-imports */
/** One entry per `lowband <command>`: loaded lazily so `lowband tail` never loads noble or serialport. */
export type CommandModule = { run(argv: string[]): Promise<number> };

export const COMMANDS: Record<string, { summary: string; load: () => CommandModule }> = {
  run: { summary: 'run the gateway in the foreground (what systemd starts)', load: () => require('./run') as CommandModule },
  demo: { summary: 'run the gateway on emulated radios and print readings as they flow', load: () => require('./demo') as CommandModule },
  tail: { summary: 'subscribe to the data stream and print each reading', load: () => require('./tail') as CommandModule },
  decode: { summary: 'decode BLE adverts (ble) or LoRaWAN PHYPayloads (lora) from stdin, one JSON line each', load: () => require('./decode') as CommandModule },
  'config check': { summary: 'validate a config file and print what it would run', load: () => require('./config-check') as CommandModule },
};
