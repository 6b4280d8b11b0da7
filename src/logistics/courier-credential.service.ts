import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SignatureError, SignatureFailure, UnknownCourierError } from './tracking-errors.js';
import { kuaidi100Sign } from './feeds/kuaidi100.mapper.js';
import { aftershipSign } from './feeds/aftership.mapper.js';
import { isSealed, type SecretBox } from '../platform/secret-box.js';

/**
 * The box that seals courier secrets at rest (issue #11: AES-256-GCM under
 * SECRETS_KEY), set once at start by the composition root (app.ts) or a CLI.
 * Until it is set, no secret is read or written: fail closed.
 */
let box: SecretBox | undefined;

/** Sets the box courier secrets are sealed and opened with. @internal (one per process) */
export function useCourierSecretBox(secrets: SecretBox): void {
  box = secrets;
}

function currentBox(): SecretBox {
  if (!box) throw new Error('Courier secrets cannot be read or written: no secrets key is configured (SECRETS_KEY).');
  return box;
}

/** Longest courier secret accepted (sealed, it must stay readable in logs of nothing and in one text column). */
export const MAX_SECRET_LENGTH = 200;

/** How many secrets of one courier verify at once: the new one and the one it replaces. */
export const VALID_SECRETS = 2;

/** The pushing courier as the webhooks know it: id, code, and its valid secrets (newest first). */
export interface CourierWithSecrets {
  id: number;
  code: string;
  aftership_slug: string | null;
  secrets: string[];
  /** Whether the signature asked about (`signature` of {@link courierWithSecrets}) was already used. */
  replayed: boolean;
}

/**
 * A courier and its valid secrets, in one query; UnknownCourierError if there is no such courier. With `signature`
 * (a signed push's signature as {@link presentedSignature} reads it), the same query says whether it was already used,
 * so that the ingest service need not ask again (session 5: one statement less per push).
 */
export async function courierWithSecrets(em: EntityManager, code: string, signature?: string): Promise<CourierWithSecrets> {
  const rows = await em.getConnection().execute<{ id: number; code: string; aftership_slug: string | null; secret: string | null; replayed: boolean }[]>(
    `select c.id, c.code, c.aftership_slug, k.secret, exists (select 1 from webhook_signature where signature = ?) as replayed from courier c
       left join courier_credential k on k.courier_id = c.id and k.retired_at is null
      where c.code = ? order by k.created_at desc, k.id desc`,
    [signature ?? '', code],
  );
  if (!rows.length) throw new UnknownCourierError(code);
  const sealed = rows
    .map((r) => r.secret)
    .filter((s): s is string => Boolean(s))
    .slice(0, VALID_SECRETS);
  // A secret that is not sealed (written around the hub) or that this key does not open verifies nothing.
  const secrets = sealed.filter(isSealed).flatMap((value) => {
    try {
      return [currentBox().open(value)];
    } catch (error) {
      if (!box) throw error;
      return [];
    }
  });
  if (sealed.length && !secrets.length)
    throw new Error(`The webhook secrets of courier "${rows[0].code}" cannot be opened with SECRETS_KEY (a different key, or written in clear).`);
  return { id: rows[0].id, code: rows[0].code, aftership_slug: rows[0].aftership_slug, secrets, replayed: Boolean(signature) && rows[0].replayed };
}

/** The hex signature of `x-hub-signature` as stored and compared (`sha256=` dropped, lower case), or undefined. */
export function presentedSignature(header: string | undefined): string | undefined {
  return header
    ?.trim()
    .replace(/^sha256=/, '')
    .toLowerCase();
}

/**
 * Seals every courier secret still stored in clear (rows written before
 * issue #11), then checks that every sealed one opens with the current key.
 * Run at start: a wrong SECRETS_KEY stops the hub instead of failing every push.
 * Returns how many rows were sealed.
 */
export async function sealCourierSecrets(em: EntityManager): Promise<number> {
  const secrets = currentBox();
  return em.transactional(async (tx) => {
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    const rows = await conn.execute<{ id: number; secret: string }[]>('select id, secret from courier_credential for update', [], 'all', ctx);
    let sealed = 0;
    let unreadable = 0;
    for (const row of rows) {
      if (!isSealed(row.secret)) {
        await conn.execute('update courier_credential set secret = ? where id = ?', [secrets.seal(row.secret), row.id], 'run', ctx);
        sealed++;
        continue;
      }
      try {
        secrets.open(row.secret);
      } catch {
        unreadable++;
      }
    }
    if (unreadable)
      throw new Error(
        `SECRETS_KEY does not open ${unreadable} stored courier webhook secret(s): it is not the key they were sealed with. Restore the previous SECRETS_KEY (or set those secrets again with \`npm run courier:secret\`).`,
      );
    return sealed;
  });
}

/**
 * Sets a new secret for a courier (a random 32-byte one when none is given)
 * and retires all but the newest previous one, so that a rotation never
 * breaks a courier still signing with the old secret. Returns the new secret.
 * `retirePrevious` retires the old one at once (after a leak).
 */
export async function setCourierSecret(
  em: EntityManager,
  code: string,
  secret = randomBytes(32).toString('base64url'),
  retirePrevious = false,
): Promise<string> {
  if (secret.length < 16) throw new Error('A courier secret must have at least 16 characters.');
  if (secret.length > MAX_SECRET_LENGTH) throw new Error(`A courier secret may have at most ${MAX_SECRET_LENGTH} characters.`);
  const sealed = currentBox().seal(secret);
  await em.transactional(async (tx) => {
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    const [courier] = await conn.execute<{ id: number }[]>('select id from courier where code = ? for update', [code], 'all', ctx);
    if (!courier) throw new UnknownCourierError(code);
    await conn.execute('insert into courier_credential (courier_id, secret) values (?, ?)', [courier.id, sealed], 'run', ctx);
    await conn.execute(
      `update courier_credential set retired_at = now()
        where courier_id = ? and retired_at is null
          and id not in (select id from courier_credential where courier_id = ? and retired_at is null order by created_at desc, id desc limit ?)`,
      [courier.id, courier.id, retirePrevious ? 1 : VALID_SECRETS],
      'run',
      ctx,
    );
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
 * How long the digest of an AfterShip or Kuaidi100 body is remembered (issue #11). Neither signs a
 * timestamp, so a captured body verifies for ever; within this window the same body again is answered
 * as a replay without being read. (After it, events are still stored once and refusals kept once.)
 * @default 7 days
 */
export const BODY_DIGEST_RETENTION_S = 7 * 24 * 3600;

/** The replay key of a push whose signature covers no timestamp: `body:<format>:` + SHA-256 of the signed bytes (base64url). */
export function pushBodyDigest(format: string, signedBytes: Buffer | string): string {
  return `body:${format}:${createHash('sha256').update(signedBytes).digest('base64url')}`;
}

/**
 * Verifies a native push: `timestamp` (Unix seconds) within 5 minutes of now,
 * and `signature` (`sha256=<hex>` or bare hex) equal, in constant time, to the
 * HMAC-SHA256 of `timestamp + "." + rawBody` under one of the courier's valid
 * secrets. Returns the verified hex signature (stored to refuse replays).
 */
export function verifyNativeSignature(
  courier: CourierWithSecrets,
  timestamp: string | undefined,
  signature: string | undefined,
  rawBody: Buffer,
  nowMs = Date.now(),
): string {
  if (!courier.secrets.length) throw new SignatureError(SignatureFailure.NO_SECRET, `Courier "${courier.code}" has no webhook secret configured.`);
  if (!timestamp || !signature) throw new SignatureError(SignatureFailure.MISSING, 'Missing x-hub-timestamp or x-hub-signature header.');
  if (!/^\d{9,11}$/.test(timestamp)) throw new SignatureError(SignatureFailure.STALE_TIMESTAMP, 'x-hub-timestamp must be Unix seconds.');
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > SIGNATURE_TOLERANCE_S) {
    throw new SignatureError(
      SignatureFailure.STALE_TIMESTAMP,
      `Timestamp is ${Math.round(skew)} s away from the hub's clock (tolerance ${SIGNATURE_TOLERANCE_S} s): re-sign with the current time.`,
    );
  }
  const given = presentedSignature(signature)!;
  // Compare against every valid secret (no early exit), so timing says nothing about which one matched.
  let matched = false;
  for (const secret of courier.secrets) matched = safeEqual(nativeSignature(secret, timestamp, rawBody), given) || matched;
  if (!matched)
    throw new SignatureError(
      SignatureFailure.MISMATCH,
      'Signature does not match: expected hex HMAC-SHA256 of `timestamp + "." + raw body` with the courier secret.',
    );
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
