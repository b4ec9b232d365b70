import { readFileSync } from 'node:fs';
import type { Socket } from 'zeromq';
import type { Config } from '../config/schema';
import { ConfigError } from '../config/validate';
import type { Logger } from '../util/log';
import { publicKeyFromSecret } from './curve-keys';
import { LiveAllowList, type LiveAllowListOptions } from './live-allow-list';
import { applyCurve, startZap, type ZapHandler } from './zap';
import { isZ85Key } from './z85';

/** Options a CURVE client sink (the reliable sink) takes; empty when CURVE is off. */
export interface CurveClientOptions {
  curveServerKey?: string;
  curvePublicKey?: string;
  curveSecretKey?: string;
}

/**
 * The gateway's CurveZMQ policy from `upstream.curve`: its key pair, the ZAP allow-list that
 * guards its server sockets, and the socket options of servers and clients. Sinks never see a
 * key file or a ZAP handler; they get a function that secures a socket, or client options.
 */
export class CurveSetup {
  private zap: ZapHandler | undefined;
  private allowList: LiveAllowList | undefined;

  private constructor(
    private readonly cfg: Config['upstream'],
    private readonly log: Logger,
    private readonly keys: { secretKey: string; publicKey: string } | undefined,
    private readonly watchOptions: LiveAllowListOptions,
  ) {}

  /**
   * Loads the key pair (a ConfigError names the key when the file is unusable); CURVE off
   * without `upstream.curve`. `watch` tunes how the allow-list file is followed (tests).
   */
  static fromConfig(cfg: Config, log: Logger, watch: LiveAllowListOptions = {}): CurveSetup {
    return new CurveSetup(cfg.upstream, log, loadCurveKeys(cfg), watch);
  }

  /** Makes a server socket (the publish XPUB) a CURVE server before it binds; no-op when CURVE is off. */
  readonly secureServer = (socket: Socket): void => {
    if (this.keys) applyCurve(socket, 'server', { secretKey: this.keys.secretKey });
  };

  /** CURVE options for a client sink; throws a ConfigError when the backend's key is missing. */
  clientOptions(): CurveClientOptions {
    const c = this.cfg.curve;
    if (!c || !this.keys) return {};
    if (!c.server_key) throw new ConfigError('upstream.curve.server_key', undefined, "the backend's Z85 public key (needed by upstream.reliable)");
    return { curveServerKey: c.server_key, curvePublicKey: this.keys.publicKey, curveSecretKey: this.keys.secretKey };
  }

  /** Starts the ZAP allow-list; must run before any CURVE server socket binds. */
  async start(): Promise<void> {
    const c = this.cfg.curve;
    const p = this.cfg.publish;
    if (!c || !this.keys || p.bind.length + p.connect.length === 0) return;
    if (!c.allowed_clients_file) {
      // Without a ZAP handler libzmq accepts every client key: refuse to run open.
      throw new ConfigError('upstream.curve.allowed_clients_file', undefined, 'a file of allowed client public keys (one Z85 key per line)');
    }
    const live = new LiveAllowList(c.allowed_clients_file, this.log, (keys) => this.zap?.setAllowList(keys), this.watchOptions);
    let allow: ReadonlySet<string>;
    try {
      allow = await live.load();
    } catch (err) {
      throw new ConfigError('upstream.curve.allowed_clients_file', c.allowed_clients_file, `a readable allow list (${(err as Error).message})`);
    }
    this.zap = await startZap(allow, this.log);
    this.allowList = live;
    live.start();
    this.log.info({ allowed: allow.size, publicKey: this.keys.publicKey }, 'CurveZMQ on: ZAP allow-list active');
  }

  /**
   * Reads the allow-list file again (SIGHUP): true when the new list is in force, false when
   * the file is unusable (the previous list stays, with an alarm) or CURVE is off.
   */
  async reloadAllowList(): Promise<boolean> {
    return (await this.allowList?.reload('signal')) ?? false;
  }

  /** The `curve` block of the publish sink's status, while the ZAP handler runs. */
  status(): Record<string, unknown> | undefined {
    if (!this.zap) return undefined;
    return { allowed: this.zap.allowed(), refused: this.zap.refused(), ...(this.allowList ? { allowList: this.allowList.status() } : {}) };
  }

  /** Set while the allow-list file is unusable and an older list is in force. */
  get alarm(): string | undefined {
    return this.allowList?.alarm;
  }

  async stop(): Promise<void> {
    this.allowList?.stop();
    this.allowList = undefined;
    await this.zap?.stop();
    this.zap = undefined;
  }
}

/** The gateway's CURVE key pair from `upstream.curve.secret_key_file` (the public half is derived). */
function loadCurveKeys(cfg: Config): { secretKey: string; publicKey: string } | undefined {
  const c = cfg.upstream.curve;
  if (!c) return undefined;
  let text: string;
  try {
    text = readFileSync(c.secret_key_file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError('upstream.curve.secret_key_file', c.secret_key_file, `a readable key file (${(err as NodeJS.ErrnoException).code ?? 'error'}); make one with "lowband keys generate"`);
  }
  // Never echo the content: it is a secret.
  if (!isZ85Key(text)) throw new ConfigError('upstream.curve.secret_key_file', c.secret_key_file, 'a file holding one 40-character Z85 secret key');
  return { secretKey: text, publicKey: publicKeyFromSecret(text) };
}
