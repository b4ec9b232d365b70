/**
 * CurveZMQ key files: one line of 40-character Z85 text per file, the secret one readable by
 * its owner only. `lowband keys generate` writes them; the ZMQ sinks and the ZAP handler read them.
 */
import { promises as fs, constants as fsc } from 'node:fs';
import path from 'node:path';
import { curveKeyPair } from 'zeromq';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { isZ85Key, z85Decode, z85Encode } from './z85';

/** A CurveZMQ key pair in Z85 text form. */
export interface CurveKeyPair {
  publicKey: string;
  secretKey: string;
}

/** A key or allow-list file that cannot be used; the message names the file (and line). */
export class KeyFileError extends Error {}

/** A fresh key pair from libzmq (zmq_curve_keypair). */
export function generateKeyPair(): CurveKeyPair {
  return curveKeyPair();
}

/** Paths written by writeKeyPair. */
export interface WrittenKeyPair {
  secretPath: string;
  publicPath: string;
  publicKey: string;
}

/**
 * Writes `DIR/NAME.key` (secret, mode 0600) and `DIR/NAME.pub` (mode 0644).
 * Refuses to replace an existing file unless `force`: losing a secret key locks clients out.
 */
export async function writeKeyPair(
  dir: string,
  name: string,
  opts: { force?: boolean; keys?: CurveKeyPair } = {},
): Promise<WrittenKeyPair> {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    throw new KeyFileError(`key name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`);
  }
  const secretPath = path.join(dir, `${name}.key`);
  const publicPath = path.join(dir, `${name}.pub`);
  await fs.mkdir(dir, { recursive: true });
  if (!opts.force) {
    for (const p of [secretPath, publicPath]) {
      if (await exists(p)) throw new KeyFileError(`${p} already exists (use --force to replace it)`);
    }
  }
  const keys = opts.keys ?? generateKeyPair();
  await writeExclusive(secretPath, keys.secretKey + '\n', 0o600, !!opts.force);
  await writeExclusive(publicPath, keys.publicKey + '\n', 0o644, !!opts.force);
  return { secretPath, publicPath, publicKey: keys.publicKey };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function writeExclusive(p: string, text: string, mode: number, replace: boolean): Promise<void> {
  if (replace) await fs.rm(p, { force: true });
  // O_EXCL: never follow a planted symlink or race another writer; the mode is set at creation
  // so the secret is never readable by others, and fixed after because umask may strip bits.
  const fh = await fs.open(p, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  try {
    await fh.writeFile(text);
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}

/** Reads a key file (`.key` or `.pub`): one line of 40-character Z85 text. */
export async function readKeyFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const line = text.trim();
  // Never echo the content: it may be a secret key.
  if (!isZ85Key(line)) throw new KeyFileError(`key file ${file} must hold one 40-character Z85 key`);
  return line;
}

/**
 * Parses allow-list text: one Z85 public key per line, blank lines and `#` comments ignored.
 * `#` is itself a Z85 character, so a comment is a line starting with `#` or text after
 * whitespace following the key (`KEY  # kitchen backend`).
 */
export function parseAllowList(text: string, source = 'allow list'): Set<string> {
  const keys = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const [key, ...rest] = line.split(/\s+/);
    const trailing = rest.join(' ');
    if (!isZ85Key(key) || (trailing !== '' && !trailing.startsWith('#'))) {
      throw new KeyFileError(
        // The line itself is not echoed: someone may have pasted a secret key by mistake.
        `${source} line ${i + 1}: expected a 40-character Z85 public key (optionally followed by ' # comment'), got ${key.length} characters${trailing ? ' and trailing text' : ''}`,
      );
    }
    keys.add(key);
  }
  return keys;
}

/** Reads the allowed-clients file (see parseAllowList). */
export async function readAllowList(file: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new KeyFileError(`cannot read allow list ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseAllowList(text, file);
}

/** PKCS#8 DER prefix of an X25519 private key; the 32 raw secret bytes follow. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * The public key belonging to a CURVE secret key (X25519 base-point multiplication, as
 * libsodium does), so a config needs only the secret key file.
 */
export function publicKeyFromSecret(secretZ85: string): string {
  const secret = Buffer.from(z85Decode(secretZ85));
  const priv = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(priv).export({ format: 'jwk' }) as { x: string };
  return z85Encode(Buffer.from(jwk.x, 'base64url'));
}
