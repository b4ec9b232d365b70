import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parseConfig } from '../../../src/config/load';
import type { NatsConfig } from '../../../src/sinks/nats';
import { NatsServer, type NatsServerOptions } from '../../helpers/nats-server';

/** `upstream.nats` as the config loader fills it in (every default), for `url`. */
export function natsConfig(url: string | string[], extra: Record<string, unknown> = {}): NatsConfig {
  return parseConfig(JSON.stringify({ upstream: { nats: { url, reconnect_min_ms: 50, reconnect_max_ms: 500, ...extra } } })).upstream.nats!;
}

/** A temp dir and a started nats-server on it, both gone after the test (also on failure). */
export async function serverFor(t: TestContext, opts: Partial<NatsServerOptions> = {}): Promise<{ server: NatsServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-'));
  const server = new NatsServer({ storeDir: join(dir, 'js'), ...opts });
  t.after(async () => {
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  return { server, dir };
}
