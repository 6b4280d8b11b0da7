import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, NotFoundError } from '../platform/errors.js';
import { Courier } from '../logistics/courier.entity.js';
import { Market } from '../markets/market.entity.js';
import { ApiKey } from './api-key.entity.js';
import { generateApiKey } from './api-key.token.js';
import type { HubPubSub } from '../platform/pubsub.js';
import { announceKeyChange } from './key-changes.js';
import { Organisation } from './organisation.entity.js';
import { KeyScope, OrganisationKind, Role } from '../policy/role.js';

/** What a new key is for. */
export interface NewApiKey {
  /** Organisation name; created on first use. */
  organisation: string;
  role: Role;
  /** Courier code: required for COURIER keys. */
  courier?: string | null;
  /** Platform (market) code: required for PLATFORM keys. */
  platform?: string | null;
  scopes?: KeyScope[] | null;
  label?: string | null;
  /** Days until it expires; none = no expiry. */
  expiresInDays?: number | null;
}

/** A created (or rotated) key: `plaintext` is shown once and never stored. */
export interface IssuedKey {
  plaintext: string;
  key: ApiKey;
}

const KIND_BY_ROLE: Record<Role, OrganisationKind> = {
  [Role.PLATFORM]: OrganisationKind.PLATFORM,
  [Role.COURIER]: OrganisationKind.COURIER,
  [Role.OFFICIAL]: OrganisationKind.AGENCY,
  [Role.ADMIN]: OrganisationKind.OPERATOR,
};

/** Creates a key (and its organisation on first use); the role decides which courier or platform it is bound to. */
export async function createApiKey(em: EntityManager, input: NewApiKey): Promise<IssuedKey> {
  const name = input.organisation.trim();
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,99}$/u.test(name))
    throw new BadUserInputError('"organisation" must be 1-100 letters, digits, spaces, dots, dashes or underscores.', 'organisation');
  if (input.role === Role.COURIER && !input.courier)
    throw new BadUserInputError('A COURIER key needs "courier" (a courier code such as zhongtong).', 'courier');
  if (input.role === Role.PLATFORM && !input.platform)
    throw new BadUserInputError('A PLATFORM key needs "platform" (a market code such as pinduoduo).', 'platform');
  if (input.expiresInDays != null && !(input.expiresInDays > 0 && input.expiresInDays <= 3650)) {
    throw new BadUserInputError('"expiresInDays" must be between 1 and 3650.', 'expiresInDays');
  }
  const courier = input.role === Role.COURIER ? await em.findOne(Courier, { code: input.courier! }) : null;
  if (input.role === Role.COURIER && !courier) throw new BadUserInputError(`Unknown courier "${input.courier}".`, 'courier');
  const platform = input.role === Role.PLATFORM ? await em.findOne(Market, { code: input.platform! }) : null;
  if (input.role === Role.PLATFORM && !platform) throw new BadUserInputError(`Unknown platform "${input.platform}".`, 'platform');

  return em.transactional(async (tx) => {
    let organisation = await tx.findOne(Organisation, { name });
    if (!organisation) {
      organisation = tx.create(Organisation, {
        name,
        kind: KIND_BY_ROLE[input.role],
        courier: courier ?? undefined,
        platform: platform ?? undefined,
        createdAt: new Date(),
      });
    } else if ((courier && organisation.courier?.id !== courier.id) || (platform && organisation.platform?.id !== platform.id)) {
      throw new BadUserInputError(`Organisation "${name}" is bound to another courier or platform.`, 'organisation');
    } else if (input.role === Role.COURIER && !organisation.courier) {
      throw new BadUserInputError(`Organisation "${name}" is not a courier firm; COURIER keys need one.`, 'organisation');
    } else if (input.role === Role.PLATFORM && !organisation.platform) {
      throw new BadUserInputError(`Organisation "${name}" is not a platform; PLATFORM keys need one.`, 'organisation');
    }
    const generated = generateApiKey();
    const key = tx.create(ApiKey, {
      keyId: generated.keyId,
      secretHash: generated.secretHash,
      organisation,
      role: input.role,
      scopes: input.scopes?.length ? [...new Set(input.scopes)] : [KeyScope.READ, KeyScope.WRITE],
      label: input.label ?? undefined,
      createdAt: new Date(),
      expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : undefined,
    });
    await tx.flush();
    return { plaintext: generated.plaintext, key };
  });
}

/** Keys, newest first, optionally of one organisation; revoked ones only when asked. */
export function listApiKeys(em: EntityManager, options: { organisation?: string | null; includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
  const where: Record<string, unknown> = {};
  if (options.organisation) where.organisation = { name: options.organisation };
  if (!options.includeRevoked) where.revokedAt = null;
  return em.find(ApiKey, where, { orderBy: { id: 'desc' }, populate: ['organisation'] });
}

async function activeKey(em: EntityManager, keyId: string): Promise<ApiKey> {
  const key = await em.findOne(ApiKey, { keyId }, { populate: ['organisation'] });
  if (!key) throw new NotFoundError(`No API key "${keyId}".`);
  return key;
}

/**
 * Revokes a key at once: the next request with it is refused, on every
 * instance once the change is broadcast (with `pubSub` on Redis, issue #12),
 * and its open WebSocket sockets are closed. Revoking twice is harmless.
 */
export async function revokeApiKey(em: EntityManager, keyId: string, pubSub?: HubPubSub): Promise<ApiKey> {
  const key = await activeKey(em, keyId);
  key.revokedAt ??= new Date();
  await em.flush();
  announceKeyChange(pubSub, { keyId, change: 'revoked' });
  return key;
}

/**
 * Rotation: a new key with the same organisation, role, scopes and label; the
 * old one keeps working for `graceHours` (default 0: revoked at once) so that
 * deployments can switch over.
 */
export async function rotateApiKey(em: EntityManager, keyId: string, graceHours = 0, pubSub?: HubPubSub): Promise<IssuedKey> {
  const old = await activeKey(em, keyId);
  if (old.revokedAt) throw new BadUserInputError(`API key "${keyId}" is revoked; create a new one instead.`, 'keyId');
  const generated = generateApiKey();
  const key = em.create(ApiKey, {
    keyId: generated.keyId,
    secretHash: generated.secretHash,
    organisation: old.organisation,
    role: old.role,
    scopes: old.scopes,
    label: old.label,
    createdAt: new Date(),
    expiresAt: old.expiresAt,
    rotatedFrom: old.keyId,
  });
  if (graceHours > 0) {
    const until = new Date(Date.now() + graceHours * 3_600_000);
    if (!old.expiresAt || old.expiresAt > until) old.expiresAt = until;
  } else {
    old.revokedAt = new Date();
  }
  await em.flush();
  announceKeyChange(pubSub, { keyId: old.keyId, change: graceHours > 0 ? 'rotated-with-grace' : 'revoked' });
  return { plaintext: generated.plaintext, key };
}
