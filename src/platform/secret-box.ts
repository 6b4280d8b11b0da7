import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Secrets at rest (issue #11): AES-256-GCM with a 32-byte key from the
 * environment (SECRETS_KEY). A sealed value is `v1:` + base64url(iv ‖ tag ‖
 * ciphertext), with a fresh 96-bit IV each time (NIST SP 800-38D), so it fits
 * a text column and says which scheme sealed it.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  /** The plaintext; throws when the value was not sealed with this key (or was altered). */
  open(sealed: string): string;
}

/** Prefix of a value sealed by `secretBox` (scheme version 1). */
export const SEALED_PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Whether a stored value is sealed (rather than a legacy plaintext secret). */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** A SecretBox over a 32-byte key. */
export function secretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('A secrets key must be 32 bytes (AES-256).');
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      if (!isSealed(sealed)) throw new Error('not a sealed value');
      const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The per-install key of a demo hub without SECRETS_KEY: random, made on first
 * use, kept in `dataDir/secrets.key` (mode 0600). Outside demo mode the key
 * must come from the environment, never from a file beside the data.
 */
export function installSecretsKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secrets.key');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32)
    throw new Error(`${file} does not hold a 32-byte base64 key; delete it to make a new one (courier secrets sealed with it must then be set again).`);
  return key;
}
