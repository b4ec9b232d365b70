import { dirname, resolve } from 'node:path';
import { loadConfig, DEFAULT_CONFIG_PATH, type Config } from '../../config/load';
import { ConfigError } from '../../config/validate';
import { Gateway, type GatewayOverrides } from '../../gateway';
import { ServiceNotifier } from '../../service/notify';
import { createLogger, type Logger } from '../../util/log';
import { configOption, parse } from '../args';

/**
 * Run a gateway until SIGINT/SIGTERM; a second signal exits at once. Resolves with the exit
 * code. Under systemd (Type=notify) it reports readiness and pings the watchdog.
 */
export async function runGateway(cfg: Config, log: Logger, overrides: GatewayOverrides = {}, onStarted?: (gw: Gateway) => void | Promise<void>): Promise<number> {
  const notifier = new ServiceNotifier({ onError: (msg) => log.warn({ err: msg }, 'systemd notify failed') });
  // SIGHUP (`systemctl reload lowband`): re-read the allow-list. Installed before the start, so a
  // reload sent while starting never gets the default action (ending the process); the start
  // reads the file anyway.
  let running: Gateway | undefined;
  const onHup = () => {
    log.info({ signal: 'SIGHUP', started: running !== undefined }, 'reloading');
    void running?.reload();
  };
  process.on('SIGHUP', onHup);
  let gw: Gateway;
  try {
    gw = new Gateway(cfg, log, overrides);
    await gw.start();
    running = gw;
  } catch (err) {
    process.off('SIGHUP', onHup);
    notifier.close();
    if (err instanceof ConfigError) throw err;
    log.fatal({ err: (err as Error).message }, 'gateway failed to start');
    return 1;
  }
  notifier.ready(`gateway ${gw.id} running`);
  notifier.watchdogStart();
  await onStarted?.(gw);
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      notifier.stopping('draining queues');
      // Never hang on shutdown: a hard bound past the drain time.
      const hard = setTimeout(() => {
        log.error('shutdown took too long: exiting');
        process.exit(1);
      }, cfg.shutdown.drain_ms + 5000);
      hard.unref();
      gw.stop().then(
        () => {
          clearTimeout(hard);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          process.off('SIGHUP', onHup);
          notifier.close();
          resolveExit(0);
        },
        (err) => {
          log.error({ err: (err as Error).message }, 'error while stopping');
          process.off('SIGHUP', onHup);
          notifier.close();
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** `lowband run [--config P]` */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, configOption);
  const path = values.config ?? DEFAULT_CONFIG_PATH;
  const cfg = loadConfig(path);
  const log = createLogger(cfg.log.level);
  // `ble.emulate` is resolved here, in the composition root: the gateway only ever gets an HCI
  // socket (the one way to inject the emulator), so nothing under src/ but cli/ needs hardware/.
  // Loaded only then: a production gateway never loads emulator code.
  const emulator = cfg.ble.enabled && cfg.ble.emulate
    ? (require('../../../hardware/emulators/ble') as typeof import('../../../hardware/emulators/ble')).createEmulatedBle({ intervalMs: 250 })
    : undefined;
  if (emulator) log.warn('ble.emulate: playing emulated sensors instead of a Bluetooth adapter');
  const code = await runGateway(cfg, log, { configDir: dirname(resolve(path)), bleSocket: emulator?.socket }, () => emulator?.start());
  emulator?.stop();
  log.flush();
  return code;
}
