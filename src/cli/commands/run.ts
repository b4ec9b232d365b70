import { loadConfig, DEFAULT_CONFIG_PATH, type Config } from '../../config/load';
import { Gateway, type GatewayOverrides } from '../../gateway';
import { createLogger, type Logger } from '../../util/log';
import { configOption, parse } from '../args';

/** Run a gateway until SIGINT/SIGTERM; a second signal exits at once. Resolves with the exit code. */
export async function runGateway(cfg: Config, log: Logger, overrides: GatewayOverrides = {}, onStarted?: (gw: Gateway) => void | Promise<void>): Promise<number> {
  let gw: Gateway;
  try {
    gw = new Gateway(cfg, log, overrides);
    await gw.start();
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'gateway failed to start');
    return 1;
  }
  await onStarted?.(gw);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal: sig }, 'stopping');
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
          resolve(0);
        },
        (err) => {
          log.error({ err: (err as Error).message }, 'error while stopping');
          resolve(1);
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
  const cfg = loadConfig(values.config ?? DEFAULT_CONFIG_PATH);
  const log = createLogger(cfg.log.level);
  const code = await runGateway(cfg, log);
  log.flush();
  return code;
}
