import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { isZ85Key, z85Decode } from '../../src/security/z85';
import { generateKeyPair, parseAllowList, publicKeyFromSecret, readAllowList, readKeyFile, KeyFileError } from '../../src/security/curve-keys';
import { runKeysGenerate } from '../../src/security/keys-command';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let buf = '';
  stream.on('data', (d: Buffer) => (buf += d.toString()));
  return { stream, text: () => buf };
}

test('keys generate writes N.key (0600) and N.pub (0644), one 40-char Z85 line each; never prints the secret', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lowband-keys-'));
  try {
    const out = capture();
    const err = capture();
    const code = await runKeysGenerate(['generate', '--out', path.join(dir, 'keys'), '--name', 'gw1'], { out: out.stream, err: err.stream });
    assert.equal(code, 0, err.text());
    const keyPath = path.join(dir, 'keys', 'gw1.key');
    const pubPath = path.join(dir, 'keys', 'gw1.pub');
    assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
    assert.equal((await stat(pubPath)).mode & 0o777, 0o644);
    const secret = await readFile(keyPath, 'utf8');
    const pub = await readFile(pubPath, 'utf8');
    assert.match(secret, /^.{40}\n$/);
    assert.match(pub, /^.{40}\n$/);
    assert.ok(isZ85Key(secret.trim()) && isZ85Key(pub.trim()));
    assert.notEqual(secret, pub);
    assert.equal(z85Decode(secret.trim()).length, 32);
    assert.ok(out.text().includes(pub.trim()), 'public key printed');
    assert.ok(!out.text().includes(secret.trim()) && !err.text().includes(secret.trim()), 'secret never printed');
    assert.equal(await readKeyFile(keyPath), secret.trim());
    assert.equal(await readKeyFile(pubPath), pub.trim());

    // Refuses to overwrite; --force replaces.
    const err2 = capture();
    assert.equal(await runKeysGenerate(['generate', '--out', path.join(dir, 'keys'), '--name', 'gw1'], { out: capture().stream, err: err2.stream }), 1);
    assert.match(err2.text(), /already exists.*--force/);
    assert.equal(await readFile(keyPath, 'utf8'), secret, 'untouched');
    assert.equal(await runKeysGenerate(['generate', '--out', path.join(dir, 'keys'), '--name', 'gw1', '--force'], { out: capture().stream, err: capture().stream }), 0);
    assert.notEqual(await readFile(keyPath, 'utf8'), secret);
    assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('keys generate defaults: name "gateway" in the current directory; bad usage exits 2', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lowband-keys-'));
  try {
    assert.equal(await runKeysGenerate(['generate'], { out: capture().stream, err: capture().stream, cwd: dir }), 0);
    assert.ok(isZ85Key(await readKeyFile(path.join(dir, 'gateway.key'))));
    assert.ok(isZ85Key(await readKeyFile(path.join(dir, 'gateway.pub'))));
    const err = capture();
    assert.equal(await runKeysGenerate(['generate', '--bogus'], { out: capture().stream, err: err.stream, cwd: dir }), 2);
    assert.match(err.text(), /unknown argument/);
    assert.equal(await runKeysGenerate(['generate', '--name', '../evil'], { out: capture().stream, err: capture().stream, cwd: dir }), 2);
    assert.equal(await runKeysGenerate(['generate', '--out'], { out: capture().stream, err: capture().stream, cwd: dir }), 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('allow list: keys, # comments, blank lines; bad line reports its number without echoing it', async () => {
  const a = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';
  const b = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';
  const good = `# backends\n\n${a}\n  ${b}   # kitchen\n#${a.slice(1)}\n`;
  assert.deepEqual([...parseAllowList(good)], [a, b]);
  assert.throws(() => parseAllowList(`${a}\n\nnot-a-key\n`, 'clients.allow'), (e: unknown) => {
    assert.ok(e instanceof KeyFileError);
    assert.match(e.message, /clients\.allow line 3: expected a 40-character Z85 public key/);
    assert.ok(!e.message.includes('not-a-key'));
    return true;
  });
  assert.throws(() => parseAllowList(`${a} trailing\n`), /line 1/);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lowband-allow-'));
  try {
    await writeFile(path.join(dir, 'c.allow'), good);
    assert.equal((await readAllowList(path.join(dir, 'c.allow'))).size, 2);
    await assert.rejects(readAllowList(path.join(dir, 'missing')), /cannot read allow list .*ENOENT/);
    await writeFile(path.join(dir, 'bad.key'), 'short\n');
    await assert.rejects(readKeyFile(path.join(dir, 'bad.key')), /must hold one 40-character Z85 key/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the public key is derived from the secret key file alone, as zeromq pairs them', () => {
  for (let i = 0; i < 20; i++) {
    const pair = generateKeyPair();
    assert.equal(publicKeyFromSecret(pair.secretKey), pair.publicKey);
  }
});
