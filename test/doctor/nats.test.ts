import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { parseConfig } from '../../src/config/load';
import { checkNats } from '../../src/doctor/nats';
import { freePort } from '../helpers/nats-server';
import { serverFor } from '../sinks/nats/helpers';

const config = (nats: Record<string, unknown>) => parseConfig(JSON.stringify({ gateway: { id: 'pi-north' }, upstream: { nats } }));
const line = (r: { level: string; name: string; detail: string }[]) => r.map((c) => `${c.level} ${c.name}: ${c.detail}`).join('\n');

test('doctor: the NATS login and the stream, read-only', async (t) => {
  const { server, dir } = await serverFor(t, { config: 'authorization { users = [ { user: gw, password: "pw" } ] }' });
  writeFileSync(join(dir, 'pw'), 'pw');
  writeFileSync(join(dir, 'bad'), 'nope');
  const good = config({ url: server.url, user: 'gw', password_file: join(dir, 'pw') });

  let r = await checkNats(good, 2000);
  assert.match(line(r), /^ok upstream nats: connected to .* \(plain, auth user\)\nwarn nats stream: LOWBAND does not exist yet/);

  const nc = await connect({ servers: server.url, user: 'gw', pass: 'pw' });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'LOWBAND', subjects: ['other.>'], storage: StorageType.File });
  r = await checkNats(good, 2000);
  assert.match(line(r), /FAIL nats stream: stream LOWBAND takes subjects \[other\.>\], which do not cover lowband\.pi-north\.>/);
  await jsm.streams.update('LOWBAND', { subjects: ['lowband.>'] });
  r = await checkNats(good, 2000);
  assert.match(line(r), /ok nats stream: LOWBAND: subjects \[lowband\.>\], duplicate window 120 s, 1 replica\(s\), 0 messages/);

  r = await checkNats(config({ url: server.url, user: 'gw', password_file: join(dir, 'bad') }), 2000);
  assert.match(line(r), /^FAIL upstream nats: .*: auth /);
  assert.doesNotMatch(JSON.stringify(r), /nope/);
  r = await checkNats(config({ url: `nats://127.0.0.1:${await freePort()}` }), 2000);
  assert.match(line(r), /^FAIL upstream nats: .*: connect /);
  r = await checkNats(config({ url: server.url, token_file: join(dir, 'missing') }), 2000);
  assert.match(line(r), /^FAIL upstream nats: upstream\.nats\.token_file: cannot read .*missing: ENOENT/);
});
