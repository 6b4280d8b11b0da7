import fs from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccessConfig } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { AmbiguousCredentialsError, UnauthenticatedError } from '../policy/access.errors.js';
import { apiKeyMatches, KEY_PREFIX, parseApiKey } from './api-key.token.js';
import { KeyScope, Role } from '../policy/role.js';
import { anonymousViewer, type Viewer } from '../policy/viewer.js';

/** Credentials as a transport found them (HTTP headers or graphql-ws connectionParams). */
export interface Credentials {
  /** `Bearer <api key or JWT>`. */
  authorization?: string | null;
  /** The key alone (`x-api-key` header or `apiKey` connection parameter). */
  apiKey?: string | null;
  /** `x-unmask-reason`: an admin's reason to see personal data in clear. */
  unmaskReason?: string | null;
  ip?: string | null;
}

export type Authenticate = (credentials: Credentials) => Promise<Viewer>;

interface KeyRow {
  key_id: string;
  secret_hash: string;
  role: Role;
  scopes: KeyScope[] | string;
  expires_at: Date | null;
  revoked_at: Date | null;
  organisation_id: number;
  organisation_name: string;
  courier_id: number | null;
  platform_id: number | null;
  courier_code: string | null;
  platform_code: string | null;
}

const ROLES = new Set<string>(Object.values(Role));

/**
 * How long a looked-up key row is reused. A revocation or rotation is
 * broadcast (src/access/key-changes.ts) and drops the row at once on every
 * instance; this bound only matters for a change made behind the hub's back
 * (SQL, or the CLI without REDIS_URL). While the broadcast cannot reach this
 * instance (Redis down) the cache is not used at all.
 */
export const KEY_CACHE_MS = 30_000;
const forgetters = new Set<(keyId: string) => void>();

/** Drops a key from every authenticator's cache in this process (called on revoke and rotate). */
export function forgetApiKey(keyId: string): void {
  for (const forget of forgetters) forget(keyId);
}

function bearer(credentials: Credentials): string | undefined {
  const header = credentials.authorization?.trim();
  // Transports refuse two different credentials with the names the caller used; this is the backstop for any other caller.
  const apiKey = credentials.apiKey?.trim();
  if (header && apiKey && /^Bearer\s+(\S+)$/i.exec(header)?.[1] !== apiKey) throw new AmbiguousCredentialsError(['authorization', 'apiKey']);
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <api key or token>".');
    return match[1];
  }
  return credentials.apiKey?.trim() || undefined;
}

/**
 * A JWT claim that must be a string, or absent. A claim of another type is refused (401), not
 * converted: `String(["ADMIN"])` is "ADMIN", and an object made the check throw a TypeError that was
 * answered as 503 DATABASE_UNAVAILABLE (found by probing, session 6).
 */
function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new UnauthenticatedError(`The token's "${name}" claim must be a string.`);
  return value;
}

/**
 * The scopes a JWT grants, upper-cased: `scope` as a space-separated string (RFC 8693 §4.2) or,
 * as some issuers write it, a list of strings; `scp` (Okta, Entra ID) likewise. Undefined when the
 * token has neither (all scopes, as documented). Any other shape is refused: an array `scope:
 * ["read"]` used to be ignored, so a read-only token could write (found by probing, session 6).
 */
function scopesClaim(payload: JWTPayload): KeyScope[] | undefined {
  const values: string[] = [];
  let present = false;
  for (const name of ['scope', 'scp']) {
    const value = payload[name];
    if (value === undefined || value === null) continue;
    present = true;
    if (typeof value === 'string') values.push(...value.split(/\s+/));
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) values.push(...(value as string[]).flatMap((v) => v.split(/\s+/)));
    else throw new UnauthenticatedError(`The token's "${name}" claim must be a space-separated string or a list of strings.`);
  }
  if (!present) return undefined;
  return [...new Set(values.map((v) => v.toUpperCase()))].filter((s): s is KeyScope => s === KeyScope.READ || s === KeyScope.WRITE);
}

/**
 * The expiry (ms) of the JWT these credentials present, read without verifying it: for a socket whose token was
 * verified when it connected, only the clock can change the verdict, so the periodic re-check of listening sockets
 * (src/ws/graphql-ws.server.ts) needs no signature check and no courier lookup per socket. Undefined for API keys
 * (their revocation is looked up) and for anything that is not a JWT. @internal
 */
export function jwtExpiresAt(credentials: Credentials): number | undefined {
  let token: string | undefined;
  try {
    token = bearer(credentials);
  } catch {
    return undefined;
  }
  if (!token || token.startsWith(KEY_PREFIX)) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds a token's `iat` may lie ahead of this hub's clock (clocks of issuer and hub differ a little). */
export const JWT_CLOCK_SKEW_S = 60;

/**
 * The lifetime policy of a verified JWT (JWT_MAX_LIFETIME_S): `exp` - `iat` at most the maximum, so `iat` is required
 * while a maximum is set, and `iat` not in the future beyond JWT_CLOCK_SKEW_S (a future `iat` would stretch the
 * lifetime it claims). jose has already checked that `exp` is present, a number and not past, and `iat` a number if present.
 * @internal
 */
function checkLifetime(payload: JWTPayload, maxLifetimeSeconds: number): void {
  const now = Math.floor(Date.now() / 1000);
  const { exp, iat } = payload as { exp: number; iat?: number };
  if (iat === undefined) {
    if (maxLifetimeSeconds > 0) {
      throw new UnauthenticatedError(`The token has no "iat" claim; it is required, as tokens may live at most ${maxLifetimeSeconds} s (JWT_MAX_LIFETIME_S).`);
    }
    return;
  }
  if (iat > now + JWT_CLOCK_SKEW_S) {
    throw new UnauthenticatedError(`The token's "iat" claim is ${iat - now} s in the future; at most ${JWT_CLOCK_SKEW_S} s of clock skew is accepted.`);
  }
  if (maxLifetimeSeconds > 0 && exp - iat > maxLifetimeSeconds) {
    throw new UnauthenticatedError(`The token lives ${exp - iat} s ("exp" - "iat"); this hub accepts at most ${maxLifetimeSeconds} s (JWT_MAX_LIFETIME_S).`);
  }
}

function pgArray(value: KeyScope[] | string): KeyScope[] {
  if (Array.isArray(value)) return value;
  return value
    .replace(/^\{|\}$/g, '')
    .split(',')
    .filter(Boolean) as KeyScope[];
}

/**
 * Builds the one authentication function: API keys (looked up by their public
 * id, checked by constant-time hash comparison), JWT bearer tokens (HS256
 * secret and/or a JWKS file or URL), or anonymous (demo mode only). Throws
 * UNAUTHENTICATED with a reason a client can act on; never says whether a key
 * id exists.
 */
export function createAuthenticator(rootEm: EntityManager, config: AccessConfig, log: Logger, cacheUsable: () => boolean = () => true): Authenticate {
  const secret = config.jwt.secret ? new TextEncoder().encode(config.jwt.secret) : undefined;
  let jwks: JWTVerifyGetKey | undefined;
  if (config.jwt.jwks) {
    jwks = /^https?:\/\//.test(config.jwt.jwks)
      ? createRemoteJWKSet(new URL(config.jwt.jwks))
      : createLocalJWKSet(JSON.parse(fs.readFileSync(config.jwt.jwks, 'utf8')));
  }
  const lastTouched = new Map<string, number>();
  // One indexed lookup per key per KEY_CACHE_MS rather than per request; the hash is still checked every time.
  const cache = new Map<string, { row: KeyRow | undefined; at: number }>();
  forgetters.add((keyId) => cache.delete(keyId));

  // Lookups in flight by key id: a burst of connections with one key (10,000 subscribers reconnecting,
  // issue #13) waits for one query instead of queueing 10,000 on the pool.
  const inFlight = new Map<string, Promise<KeyRow | undefined>>();

  async function lookup(keyId: string): Promise<KeyRow | undefined> {
    const hit = cache.get(keyId);
    // Fail closed: with no way to hear about revocations, every request looks its key up (concurrent ones share it).
    if (hit && hit.at > Date.now() - KEY_CACHE_MS && hit.row && cacheUsable()) return hit.row;
    let pending = inFlight.get(keyId);
    if (!pending) {
      pending = (async () => {
        try {
          const [row] = (await rootEm
            .fork()
            .getConnection()
            .execute(
              `select k.key_id, k.secret_hash, k.role, k.scopes, k.expires_at, k.revoked_at,
                    o.id as organisation_id, o.name as organisation_name, o.courier_id, o.platform_id,
                    c.code as courier_code, m.code as platform_code
               from api_key k join organisation o on o.id = k.organisation_id
               left join courier c on c.id = o.courier_id left join market m on m.id = o.platform_id
              where k.key_id = ?`,
              [keyId],
            )) as KeyRow[];
          // Unknown ids are not cached: a brute-force burst must not fill memory (it is rate limited instead).
          if (row) {
            if (cache.size > 10_000) cache.clear();
            cache.set(keyId, { row, at: Date.now() });
          }
          return row;
        } finally {
          inFlight.delete(keyId);
        }
      })();
      inFlight.set(keyId, pending);
    }
    return pending;
  }

  async function byApiKey(token: string, base: Viewer): Promise<Viewer> {
    const parsed = parseApiKey(token);
    if (!parsed) throw new UnauthenticatedError('Malformed API key.');
    const row = await lookup(parsed.keyId);
    if (!row || !apiKeyMatches(token, row.secret_hash)) throw new UnauthenticatedError('Unknown API key.');
    if (row.revoked_at) throw new UnauthenticatedError('This API key has been revoked.');
    if (row.expires_at && new Date(row.expires_at) <= new Date()) throw new UnauthenticatedError('This API key has expired.');
    // Last use is informative: written at most once a minute per key, never on the request's critical path.
    const now = Date.now();
    if ((lastTouched.get(row.key_id) ?? 0) < now - 60_000) {
      lastTouched.set(row.key_id, now);
      rootEm
        .fork()
        .getConnection()
        .execute('update api_key set last_used_at = now() where key_id = ?', [row.key_id])
        .catch((error) => {
          log.warn({ err: (error as Error).message }, 'could not record API key use');
        });
    }
    return {
      ...base,
      credential: 'api_key',
      role: row.role,
      scopes: pgArray(row.scopes),
      actor: row.key_id,
      organisationId: row.organisation_id,
      organisationName: row.organisation_name,
      courierId: row.courier_id,
      platformId: row.platform_id,
      courierCode: row.courier_code ?? null,
      platformCode: row.platform_code ?? null,
    };
  }

  async function byJwt(token: string, base: Viewer): Promise<Viewer> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new UnauthenticatedError('Malformed bearer token: neither an API key (hh_…) nor a JWT.');
    }
    const key = alg === 'HS256' ? secret : jwks;
    if (!key) throw new UnauthenticatedError(`JWT with alg ${alg} is not accepted by this hub.`);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        issuer: config.jwt.issuer,
        audience: config.jwt.audience,
        // Issue #11: a token that never expires is refused (and JWKS tokens need JWT_AUDIENCE, checked at start).
        requiredClaims: ['exp'],
        algorithms: alg === 'HS256' ? ['HS256'] : ['RS256', 'ES256', 'PS256', 'EdDSA'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('The token has expired.');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        throw new UnauthenticatedError(
          error.reason === 'missing' ? `The token has no "${error.claim}" claim; it is required.` : `The token's "${error.claim}" claim is not accepted.`,
        );
      }
      throw new UnauthenticatedError('The token could not be verified.');
    }
    checkLifetime(payload, config.jwt.maxLifetimeSeconds);
    const role = (stringClaim(payload, 'role') ?? '').toUpperCase();
    if (!ROLES.has(role)) throw new UnauthenticatedError('The token has no "role" claim of PLATFORM, COURIER, OFFICIAL or ADMIN.');
    const em = rootEm.fork();
    let courierId: number | null = null;
    let platformId: number | null = null;
    const courier = stringClaim(payload, 'courier');
    const platform = stringClaim(payload, 'platform');
    if (role === Role.COURIER) {
      const [c] = await em.getConnection().execute<{ id: number }[]>('select id from courier where code = ?', [courier ?? '']);
      if (!c) throw new UnauthenticatedError('A COURIER token needs a "courier" claim naming a known courier code.');
      courierId = c.id;
    }
    if (role === Role.PLATFORM) {
      const [m] = await em.getConnection().execute<{ id: number }[]>('select id from market where code = ?', [platform ?? '']);
      if (!m) throw new UnauthenticatedError('A PLATFORM token needs a "platform" claim naming a known market code.');
      platformId = m.id;
    }
    const scope = scopesClaim(payload) ?? [KeyScope.READ, KeyScope.WRITE];
    return {
      ...base,
      credential: 'jwt',
      role: role as Role,
      scopes: scope.filter((s): s is KeyScope => s === KeyScope.READ || s === KeyScope.WRITE),
      actor: `jwt:${stringClaim(payload, 'sub') ?? 'unknown'}`,
      organisationName: typeof payload.org === 'string' ? payload.org : null,
      courierId,
      platformId,
      courierCode: courierId === null ? null : courier!,
      platformCode: platformId === null ? null : platform!,
    };
  }

  return async (credentials) => {
    const base = anonymousViewer(credentials.ip ?? null);
    base.unmaskReason = credentials.unmaskReason?.trim().slice(0, 500) || null;
    const token = bearer(credentials);
    if (!token) {
      if (config.demoMode) return base;
      throw new UnauthenticatedError('An API key or bearer token is required (Authorization: Bearer …).');
    }
    return token.startsWith(KEY_PREFIX) ? byApiKey(token, base) : byJwt(token, base);
  };
}
