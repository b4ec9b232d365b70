import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nkeys } from '@nats-io/transport-node';
import { MemoryLog } from '../../../src/pipeline/memory-log';
import { NatsConfigError, NatsSink } from '../../../src/sinks/nats';
import { NatsServer } from '../../helpers/nats-server';
import { until } from '../../helpers/processes';
import { captureLogger, message, OPEN_LIMITS } from '../../spool/helpers';
import { makeCerts } from '../mqtt/mosquitto';
import { natsConfig, serverFor } from './helpers';

/** Starts a sink for `cfg`, feeds it 20 entries; resolves the sink, its cursor and its log lines. */
async function run(t: { after: (fn: () => Promise<void>) => void }, cfg: ReturnType<typeof natsConfig>) {
  const log = new MemoryLog();
  const cursor = log.openCursor('nats', OPEN_LIMITS);
  const { logger, lines } = captureLogger();
  const sink = new NatsSink(cfg, 'gw-a', logger);
  t.after(async () => {
    await sink.stop(0);
    await log.close();
  });
  await sink.start(cursor);
  for (let s = 1n; s <= 20n; s++) log.append(message(s));
  return { sink, cursor, lines };
}

test('token from token_file', async (t) => {
  const { server, dir } = await serverFor(t, { config: 'authorization { token: "t0ken-Secret" }' });
  writeFileSync(join(dir, 'token'), 't0ken-Secret\n');
  const r = await run(t, natsConfig(server.url, { token_file: join(dir, 'token') }));
  await until('delivered with the token', () => r.cursor.committed === 20n);
  assert.doesNotMatch(JSON.stringify(r.lines), /t0ken-Secret/);
});

test('NKey: the seed from nkey_file signs the server nonce', async (t) => {
  const user = nkeys.createUser();
  const seed = new TextDecoder().decode(user.getSeed());
  const { server, dir } = await serverFor(t, { config: `authorization { users = [ { nkey: "${user.getPublicKey()}" } ] }` });
  writeFileSync(join(dir, 'gw.nk'), `${seed}\n`);
  const r = await run(t, natsConfig(server.url, { nkey_file: join(dir, 'gw.nk') }));
  await until('delivered with the nkey', () => r.cursor.committed === 20n);
  assert.doesNotMatch(JSON.stringify(r.lines), new RegExp(seed));
});

test('TLS: tls:// with the CA from ca_file connects; without trusting the CA it is a counted tls error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lowband-nats-tls-'));
  const files = await makeCerts(dir, 'natsca');
  const server = new NatsServer({ storeDir: join(dir, 'js'), config: `tls { cert_file: "${files.cert}", key_file: "${files.key}" }` });
  t.after(async () => {
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await server.start();
  const url = `tls://127.0.0.1:${server.port}`;
  const ok = await run(t, natsConfig(url, { ca_file: files.ca }));
  await until('delivered over TLS', () => ok.cursor.committed === 20n);
  assert.equal(ok.sink.status().state, 'connected');

  const untrusted = await run(t, natsConfig(url));
  await until('tls error counted', () => ((untrusted.sink.status().errors as Record<string, number>).tls ?? 0) >= 1);
  assert.equal(untrusted.cursor.committed, 0n);
});

test('an unreadable credential file is a config error naming the key', async () => {
  const sink = new NatsSink(natsConfig('nats://127.0.0.1:1', { token_file: '/nonexistent/token' }), 'gw-a', captureLogger().logger);
  const log = new MemoryLog();
  await assert.rejects(sink.start(log.openCursor('nats', OPEN_LIMITS)), (err: unknown) =>
    err instanceof NatsConfigError && err.key === 'upstream.nats.token_file' && /cannot read \/nonexistent\/token: ENOENT/.test(err.message));
  await log.close();
});
