import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key starts with this, so a leaked key is recognisable (secret scanners) and told apart from a JWT. */
export const KEY_PREFIX = 'hh_';

/** A freshly generated key: `plaintext` is shown once, `keyId` and `secretHash` are stored. */
export interface GeneratedKey {
  keyId: string;
  plaintext: string;
  secretHash: string;
}

/**
 * Key format: `hh_<keyId>_<secret>`, keyId 12 random hex characters (public,
 * used to find the row), secret 32 random bytes in base64url (256 bits).
 *
 * Stored hash: SHA-256 of the whole key. Slow password hashes (argon2, scrypt)
 * exist to make guessing low-entropy human passwords expensive; a 256-bit
 * random secret cannot be guessed at any speed, so a fast hash loses no
 * security and keeps authentication to one indexed lookup plus one hash per
 * request. Comparison is constant-time.
 */
export function generateApiKey(): GeneratedKey {
  const keyId = randomBytes(6).toString('hex');
  const plaintext = `${KEY_PREFIX}${keyId}_${randomBytes(32).toString('base64url')}`;
  return { keyId, plaintext, secretHash: hashApiKey(plaintext) };
}

/** Hex SHA-256 of a full key. */
export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

/** The keyId of a well-formed key, or undefined. */
export function parseApiKey(plaintext: string): { keyId: string } | undefined {
  const match = /^hh_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(plaintext);
  return match ? { keyId: match[1] } : undefined;
}

/** Constant-time check of a presented key against a stored hash. */
export function apiKeyMatches(plaintext: string, secretHash: string): boolean {
  const a = Buffer.from(hashApiKey(plaintext), 'hex');
  const b = Buffer.from(secretHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
