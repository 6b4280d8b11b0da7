import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SignatureError, SignatureFailure, UnknownCourierError } from './tracking-errors.js';
import { kuaidi100Sign } from './feeds/kuaidi100.mapper.js';
import { aftershipSign } from './feeds/aftership.mapper.js';

/** How many secrets of one courier verify at once: the new one and the one it replaces. */
export const VALID_SECRETS = 2;

/** The pushing courier as the webhooks know it: id, code, and its valid secrets (newest first). */
export interface CourierWithSecrets {
  id: number;
  code: string;
  secrets: string[];
}

/** A courier and its valid secrets, in one query; UnknownCourierError if there is no such courier. */
export async function courierWithSecrets(em: EntityManager, code: string): Promise<CourierWithSecrets> {
  const rows = await em.getConnection().execute<{ id: number; code: string; secret: string | null }[]>(
    `select c.id, c.code, k.secret from courier c
       left join courier_credential k on k.courier_id = c.id and k.retired_at is null
      where c.code = ? order by k.created_at desc, k.id desc`, [code]);
  if (!rows.length) throw new UnknownCourierError(code);
  return { id: rows[0].id, code: rows[0].code, secrets: rows.map((r) => r.secret).filter((s): s is string => Boolean(s)).slice(0, VALID_SECRETS) };
}

/**
 * Sets a new secret for a courier (a random 32-byte one when none is given)
 * and retires all but the newest previous one, so that a rotation never
 * breaks a courier still signing with the old secret. Returns the new secret.
 * `retirePrevious` retires the old one at once (after a leak).
 */
export async function setCourierSecret(em: EntityManager, code: string, secret = randomBytes(32).toString('base64url'), retirePrevious = false): Promise<string> {
  if (secret.length < 16) throw new Error('A courier secret must have at least 16 characters.');
  await em.transactional(async (tx) => {
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    const [courier] = await conn.execute<{ id: number }[]>('select id from courier where code = ? for update', [code], 'all', ctx);
    if (!courier) throw new UnknownCourierError(code);
    await conn.execute('insert into courier_credential (courier_id, secret) values (?, ?)', [courier.id, secret], 'run', ctx);
    await conn.execute(
      `update courier_credential set retired_at = now()
        where courier_id = ? and retired_at is null
          and id not in (select id from courier_credential where courier_id = ? and retired_at is null order by created_at desc, id desc limit ?)`,
      [courier.id, courier.id, retirePrevious ? 1 : VALID_SECRETS], 'run', ctx);
  });
  return secret;
}

/** Constant-time string comparison (different lengths are simply unequal). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HMAC-SHA256 of `timestamp + "." + rawBody`, hex: the native push signature. */
export function nativeSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** How far a native push's timestamp may be from the hub's clock, either way. */
export const SIGNATURE_TOLERANCE_S = 300;

/**
 * Verifies a native push: `timestamp` (Unix seconds) within 5 minutes of now,
 * and `signature` (`sha256=<hex>` or bare hex) equal, in constant time, to the
 * HMAC-SHA256 of `timestamp + "." + rawBody` under one of the courier's valid
 * secrets. Returns the verified hex signature (stored to refuse replays).
 */
export function verifyNativeSignature(courier: CourierWithSecrets, timestamp: string | undefined, signature: string | undefined, rawBody: Buffer, nowMs = Date.now()): string {
  if (!courier.secrets.length) throw new SignatureError(SignatureFailure.NO_SECRET, `Courier "${courier.code}" has no webhook secret configured.`);
  if (!timestamp || !signature) throw new SignatureError(SignatureFailure.MISSING, 'Missing x-hub-timestamp or x-hub-signature header.');
  if (!/^\d{9,11}$/.test(timestamp)) throw new SignatureError(SignatureFailure.STALE_TIMESTAMP, 'x-hub-timestamp must be Unix seconds.');
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > SIGNATURE_TOLERANCE_S) {
    throw new SignatureError(SignatureFailure.STALE_TIMESTAMP, `Timestamp is ${Math.round(skew)} s away from the hub's clock (tolerance ${SIGNATURE_TOLERANCE_S} s): re-sign with the current time.`);
  }
  const given = signature.trim().replace(/^sha256=/, '').toLowerCase();
  // Compare against every valid secret (no early exit), so timing says nothing about which one matched.
  let matched = false;
  for (const secret of courier.secrets) matched = safeEqual(nativeSignature(secret, timestamp, rawBody), given) || matched;
  if (!matched) throw new SignatureError(SignatureFailure.MISMATCH, 'Signature does not match: expected hex HMAC-SHA256 of `timestamp + "." + raw body` with the courier secret.');
  return given;
}

/** Verifies a Kuaidi100 push: `sign` = upper-case MD5(param + salt) for one of the courier's valid secrets. */
export function verifyKuaidi100Sign(courier: CourierWithSecrets, param: string, sign: string | undefined): void {
  if (!courier.secrets.length) throw new SignatureError(SignatureFailure.NO_SECRET, `Courier "${courier.code}" has no webhook secret configured.`);
  if (!sign) throw new SignatureError(SignatureFailure.MISSING, 'Missing form field "sign".');
  let matched = false;
  for (const salt of courier.secrets) matched = safeEqual(kuaidi100Sign(param, salt), sign.trim().toUpperCase()) || matched;
  if (!matched) throw new SignatureError(SignatureFailure.MISMATCH, 'sign does not match: expected upper-case MD5 of param + salt.');
}

/** Verifies an AfterShip webhook: `aftership-hmac-sha256` = base64 HMAC-SHA256 of the raw body. */
export function verifyAftershipSignature(courier: CourierWithSecrets, rawBody: Buffer, header: string | undefined): void {
  if (!courier.secrets.length) throw new SignatureError(SignatureFailure.NO_SECRET, `Courier "${courier.code}" has no webhook secret configured.`);
  if (!header) throw new SignatureError(SignatureFailure.MISSING, 'Missing aftership-hmac-sha256 header.');
  let matched = false;
  for (const secret of courier.secrets) matched = safeEqual(aftershipSign(rawBody, secret), header.trim()) || matched;
  if (!matched) throw new SignatureError(SignatureFailure.MISMATCH, 'aftership-hmac-sha256 does not match: expected base64 HMAC-SHA256 of the raw body.');
}
