/**
 * `upstream.nats` resolved into client options: credential and TLS files are read here, once, at
 * start, so an unreadable file is a config error (exit 2) and no secret is ever held in a log field.
 */
import { readFileSync } from 'node:fs';
import {
  credsAuthenticator, nkeyAuthenticator, tokenAuthenticator, usernamePasswordAuthenticator,
  type Authenticator, type ConnectionOptions,
} from '@nats-io/transport-node';
import type { Config } from '../../config/schema';

/** The validated `upstream.nats` section. */
export type NatsConfig = NonNullable<Config['upstream']['nats']>;

/** A file the config names is unusable: reported like a config error, naming the key. */
export class NatsConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
    this.name = 'NatsConfigError';
  }
}

/** What the sink connects with; `describe` is safe to log (no secrets). */
export interface NatsEndpoint {
  options: ConnectionOptions;
  describe: { servers: string[]; tls: boolean; auth: string; user?: string };
}

function readSecret(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new NatsConfigError(`upstream.nats.${key}`, `upstream.nats.${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function checkReadable(key: string, path: string | undefined): void {
  if (path !== undefined) readSecret(key, path);
}

/** Builds client options from config; throws NatsConfigError naming the key of an unreadable file. */
export function resolveNatsEndpoint(cfg: NatsConfig, gatewayId: string): NatsEndpoint {
  let authenticator: Authenticator | undefined;
  let auth = 'none';
  if (cfg.user !== undefined && cfg.password_file !== undefined) {
    const pass = readSecret('password_file', cfg.password_file).toString('utf8').replace(/\r?\n$/, '');
    authenticator = usernamePasswordAuthenticator(cfg.user, pass);
    auth = 'user';
  } else if (cfg.token_file !== undefined) {
    authenticator = tokenAuthenticator(readSecret('token_file', cfg.token_file).toString('utf8').trim());
    auth = 'token';
  } else if (cfg.nkey_file !== undefined) {
    // The seed file holds the `SU...` seed text, as `nk -gen user` writes it.
    const seed = readSecret('nkey_file', cfg.nkey_file).toString('utf8').trim();
    authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
    auth = 'nkey';
  } else if (cfg.creds_file !== undefined) {
    authenticator = credsAuthenticator(new Uint8Array(readSecret('creds_file', cfg.creds_file)));
    auth = 'creds';
  }
  const tls = cfg.url.some((u) => u.startsWith('tls:')) || cfg.ca_file !== undefined || cfg.cert_file !== undefined;
  checkReadable('ca_file', cfg.ca_file);
  checkReadable('cert_file', cfg.cert_file);
  checkReadable('key_file', cfg.key_file);
  const options: ConnectionOptions = {
    // The client strips the scheme; TLS is asked for with `tls` below.
    servers: cfg.url.map((u) => u.replace(/^(nats|tls):\/\//, '')),
    name: `lowband-${gatewayId}`,
    ...(authenticator ? { authenticator } : {}),
    ...(tls ? { tls: { ...(cfg.ca_file ? { caFile: cfg.ca_file } : {}), ...(cfg.cert_file ? { certFile: cfg.cert_file, keyFile: cfg.key_file } : {}) } } : {}),
  };
  return { options, describe: { servers: cfg.url, tls, auth, ...(cfg.user ? { user: cfg.user } : {}) } };
}
