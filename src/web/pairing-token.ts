import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/validate';

/** Shorter tokens are refused at start: the page may be reachable from the LAN. */
export const MIN_TOKEN_CHARS = 16;

/**
 * The secret that unlocks pairing from the web page (`web.token_file`). Compared in constant
 * time over SHA-256 digests, so neither the content nor the length leaks through timing; the
 * token itself never reaches a log line or a response.
 */
export class PairingToken {
  private readonly digest: Buffer;

  private constructor(token: string) {
    this.digest = sha256(token);
  }

  /** Reads the token file; a missing, unreadable or too short file is a config error (exit 2). */
  static fromFile(path: string): PairingToken {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new ConfigError('web.token_file', path, `a readable token file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (text.length < MIN_TOKEN_CHARS || /\s/.test(text)) {
      // The content is a secret: say what is wrong, never what it is.
      throw new ConfigError('web.token_file', path, `a file holding one token of at least ${MIN_TOKEN_CHARS} characters without spaces`);
    }
    return new PairingToken(text);
  }

  /** True when `Authorization: Bearer <token>` carries this token. */
  accepts(authorization: string | undefined): boolean {
    const m = authorization ? /^Bearer +(\S+) *$/i.exec(authorization) : null;
    // Compare a digest even without a token, so a request without one takes the same time.
    const given = sha256(m ? m[1] : '');
    return timingSafeEqual(given, this.digest) && m !== null;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
