/* eslint-disable @typescript-eslint/no-require-imports */
/** What a command module gives: its run() with the arguments after the command name. */
export type CommandModule = { run(argv: string[]): Promise<number> };

/**
 * One `lowband <command>` (or `<command> <subcommand>`). `--help` is answered from these fields
 * by the dispatcher, before the module is loaded, so every command has the same help; the
 * options in `usage` are also what shell completion offers.
 */
export interface CommandEntry {
  summary: string;
  /** The synopsis: `lowband status [--json] [--config P] [--socket PATH]`. */
  usage: string;
  /** Command lines that work as printed (shown under "examples"). */
  examples: string[];
  /** More lines for --help: what the options take, where defaults come from. */
  details?: string[];
  /** Loaded lazily so `lowband tail` never loads noble or serialport. */
  load: () => CommandModule;
}

const SOCKET_NOTE = 'the control socket: --socket PATH, else control.socket of --config P (default /etc/lowband/lowband.yaml), else the running demo\'s';

export const COMMANDS: Record<string, CommandEntry> = {
  run: {
    summary: 'run the gateway in the foreground (what systemd starts)',
    usage: 'lowband run [--config P]',
    examples: ['lowband run --config /etc/lowband/lowband.yaml'],
    details: ['config errors are all printed at once, file:line:col first, exit 2'],
    load: () => require('./run') as CommandModule,
  },
  demo: {
    summary: 'run the gateway on emulated radios and print readings as they flow',
    usage: 'lowband demo [--endpoint E] [--interval MS] [--seconds N] [--json]',
    examples: ['npm run demo', 'lowband demo --seconds 30 --json'],
    details: ['needs socat (emulated serial modem); no hardware and no root', 'Ctrl-C stops everything'],
    load: () => require('./demo') as CommandModule,
  },
  tail: {
    summary: 'subscribe to the data stream and print each reading',
    usage: 'lowband tail [--endpoint E] [--filter T]... [--json] [--count N] [--silence-s S] [--server-key Z85 --key-file F]',
    examples: ['lowband tail', 'lowband tail --endpoint tcp://pi-garden.local:5556 --filter ble/ --json'],
    details: [
      '--endpoint: a ZeroMQ endpoint, tcp://HOST:PORT or ipc:///PATH (default tcp://127.0.0.1:5556)',
      '--filter: topic prefix (ble/, lora/49be7df1, sys/); repeat for several',
      '--silence-s: warn on stderr when nothing arrives this long (default 5, 0 never)',
      '--server-key/--key-file: the gateway\'s CURVE public key and this client\'s .key file',
    ],
    load: () => require('./tail') as CommandModule,
  },
  'decode ble': {
    summary: 'decode BLE adverts from stdin (OpenMQTTGateway JSON lines), one JSON line each',
    usage: 'lowband decode ble [--key MAC=HEX]... < lines',
    examples: [`echo '{"id":"A4:C1:38:D5:D4:98","servicedata":"4002ca0903bf13","servicedatauuid":"0xfcd2","rssi":-60}' | lowband decode ble`],
    details: ['--key: a 16-byte bindkey for an encrypted BTHome / pvvx sensor, MAC=32 hex digits'],
    load: () => ({ run: (argv) => (require('./decode') as typeof import('./decode')).runBle(argv) }),
  },
  'decode lora': {
    summary: 'decode LoRaWAN PHYPayloads (hex lines on stdin), one JSON line each',
    usage: 'lowband decode lora [--devaddr-keys DEVADDR:NWKSKEY:APPSKEY,...] < lines',
    examples: ['echo 40F17DBE4900020001954378762B11FF0D | lowband decode lora --devaddr-keys 49be7df1:44024241ed4ce9a68c6a8bc055233fd3:ec925802ae430ca77fd3dd73cb2cc588'],
    load: () => ({ run: (argv) => (require('./decode') as typeof import('./decode')).runLora(argv) }),
  },
  status: {
    summary: 'adapters, queues, spool, drops, sink cursors, uptime (--json)',
    usage: 'lowband status [--json] [--config P] [--socket PATH]',
    examples: ['lowband status', 'sudo lowband status --json'],
    details: [SOCKET_NOTE, 'every counter is explained in docs/status.md'],
    load: () => require('./status') as CommandModule,
  },
  scan: {
    summary: 'nearby BLE devices with their decoded type and last reading',
    usage: 'lowband scan [--seconds N] [--json] [--config P] [--socket PATH]',
    examples: ['lowband scan --seconds 10'],
    details: [SOCKET_NOTE],
    load: () => require('./scan') as CommandModule,
  },
  pair: {
    summary: 'enrol a BLE sensor: pair <MAC> [--name N] [--key HEX]',
    usage: 'lowband pair <MAC> [--name N] [--key HEX] [--model M] [--config P] [--socket PATH]',
    examples: [
      'lowband pair a4:c1:38:d5:d4:98 --name greenhouse',
      'lowband pair 54:48:e6:8f:80:a5 --key 231d39c1d7cc1ab1aee224cd096db932',
      'lowband pair c9:8a:1f:22:10:05 --model W1101500',
    ],
    details: [
      '--key: the 16-byte bindkey (32 hex digits) of an encrypted BTHome / pvvx sensor; never printed',
      '--model: the model id (docs/sensors.md) of a sensor whose passive adverts do not say it (SwitchBot)',
      'a re-pair without --name or --model keeps the ones given before',
      SOCKET_NOTE,
    ],
    load: () => require('./pair') as CommandModule,
  },
  unpair: {
    summary: 'remove an enrolled BLE sensor',
    usage: 'lowband unpair <MAC> [--config P] [--socket PATH]',
    examples: ['lowband unpair a4:c1:38:d5:d4:98'],
    details: [SOCKET_NOTE],
    load: () => require('./unpair') as CommandModule,
  },
  devices: {
    summary: 'list enrolled BLE sensors',
    usage: 'lowband devices [--json] [--config P] [--socket PATH]',
    examples: ['lowband devices'],
    details: [SOCKET_NOTE],
    load: () => require('./devices') as CommandModule,
  },
  doctor: {
    summary: 'check the installation and explain how to fix problems',
    usage: 'lowband doctor [--config P] [--socket PATH] [--json]',
    examples: ['sudo lowband doctor', 'lowband doctor --socket /tmp/lowband-demo-1000/control.sock'],
    load: () => require('./doctor') as CommandModule,
  },
  backup: {
    summary: 'write state_dir (paired devices, keys, seq, frame counters, spool) to one archive',
    usage: 'lowband backup [--config P] [--out FILE]',
    examples: ['sudo lowband backup --out /root/lowband-backup.tar.gz'],
    details: ['FILE is written mode 0600, default ./lowband-backup-<gateway>-<UTC time>.tar.gz', 'put it back with: lowband restore FILE'],
    load: () => require('./backup') as CommandModule,
  },
  restore: {
    summary: 'put a backup back as state_dir (gateway stopped); seq never repeats',
    usage: 'lowband restore FILE [--config P] [--force]',
    examples: ['sudo systemctl stop lowband && sudo lowband restore /root/lowband-backup.tar.gz && sudo systemctl start lowband'],
    details: [
      'refuses while the gateway runs; the replaced state is kept beside it for rollback',
      'seq restarts above the backup, the replaced state and a clock floor; --force accepts a clock earlier than the backup',
    ],
    load: () => require('./restore') as CommandModule,
  },
  'keys generate': {
    summary: 'write a CurveZMQ key pair: DIR/N.key (secret, 0600) and DIR/N.pub',
    usage: 'lowband keys generate [--out DIR] [--name N] [--force]',
    examples: ['lowband keys generate --out /var/lib/lowband/keys', 'lowband keys generate --name backend'],
    details: ['DIR defaults to the current directory, N to "gateway"'],
    load: () => ({ run: (argv) => (require('./keys') as typeof import('./keys')).run(['generate', ...argv]) }),
  },
  collect: {
    summary: 'a reference backend: ROUTER that stores, acks and de-duplicates',
    usage: 'lowband collect --bind E [--out FILE] [--json] [--gap-ms N]',
    examples: ['lowband collect --bind tcp://0.0.0.0:5557 --out readings.jsonl'],
    load: () => require('./collect') as CommandModule,
  },
  'config check': {
    summary: 'validate a config file and print what it would run',
    usage: 'lowband config check [--config P] [--json]',
    examples: ['lowband config check --config /etc/lowband/lowband.yaml'],
    details: ['every error at once, one line each: file:line:col: key.path: expected ..., got ...; exit 2'],
    load: () => require('./config-check') as CommandModule,
  },
  completion: {
    summary: 'print a shell completion script (bash or zsh)',
    usage: 'lowband completion bash|zsh',
    examples: ['source <(lowband completion bash)', 'lowband completion zsh > "${fpath[1]}/_lowband"'],
    load: () => ({ run: (argv) => (require('./completion') as typeof import('./completion')).run(argv, COMMANDS) }),
  },
  logs: {
    summary: 'show the gateway\'s JSON log lines readable (from the journal or stdin)',
    usage: 'lowband logs [-f] [-n N] [--unit U] [--no-color] [< lines]',
    examples: ['lowband logs -f', 'journalctl -u lowband -o cat | lowband logs', 'lowband run 2>&1 | lowband logs'],
    details: ['without piped input it reads journalctl -u lowband -o cat (-f follows, -n N last lines)', 'colours on a terminal; NO_COLOR or --no-color turns them off'],
    load: () => require('./logs') as CommandModule,
  },
};
