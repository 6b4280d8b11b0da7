import { Arg, Args, Authorized, Ctx, Field, FieldResolver, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { ConnectionType } from '../relay/connection.type.js';
import { paginate, type Ordering } from '../relay/paginate.js';
import { Courier } from '../logistics/courier.entity.js';
import { Market } from '../markets/market.entity.js';
import { ApiKey } from './api-key.entity.js';
import { AuditEntry } from './audit-entry.entity.js';
import { Organisation } from './organisation.entity.js';
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from './api-key.service.js';
import { AuditLogArgs, CreateApiKeyInput } from './access.input.js';
import { KeyScope, Role } from '../policy/role.js';

@ObjectType({ description: 'A created or rotated key. `key` is shown here once and never again.' })
export class IssuedApiKey {
  @Field({ description: 'The key itself: send it as `Authorization: Bearer <key>`. Store it now; the hub keeps only a hash.' })
  key!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}

@ObjectType({ description: 'Who the hub thinks the caller is.' })
export class ViewerInfo {
  @Field(() => Role, { nullable: true, description: 'null for an anonymous caller (demo mode).' })
  role!: Role | null;

  @Field({ description: '`api_key`, `jwt` or `anonymous`.' })
  credential!: string;

  @Field({ description: 'API key id, `jwt:<sub>` or `anonymous`.' })
  actor!: string;

  @Field({ nullable: true })
  organisation?: string;

  @Field(() => [KeyScope])
  scopes!: KeyScope[];

  @Field(() => Int, { nullable: true, description: 'The courier a COURIER caller is bound to (internal id).' })
  courierId?: number;

  @Field(() => Int, { nullable: true, description: 'The platform a PLATFORM caller is bound to (internal market id).' })
  platformId?: number;

  @Field({ description: 'Whether personal data is shown unmasked in this request (ADMIN with an `x-unmask-reason`).' })
  unmasked!: boolean;
}

@ObjectType()
export class AuditEntryConnection extends ConnectionType(AuditEntry) {}

const newestFirst: Ordering<AuditEntry> = { direction: 'desc', keys: [{ sql: 'a.id', read: (a) => Number(a.id) }] };

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => ViewerInfo, { description: 'The caller as the hub sees it: role, organisation, scopes.' })
  viewer(@Ctx() ctx: HubContext): ViewerInfo {
    const v = ctx.viewer;
    return {
      role: v.role,
      credential: v.credential,
      actor: v.actor,
      organisation: v.organisationName ?? undefined,
      scopes: [...v.scopes],
      courierId: v.courierId ?? undefined,
      platformId: v.platformId ?? undefined,
      unmasked: v.role === Role.ADMIN && Boolean(v.unmaskReason),
    };
  }

  @Authorized(Role.ADMIN)
  @Query(() => [ApiKey], { description: 'API keys (ADMIN), newest first; revoked ones with `includeRevoked`.' })
  apiKeys(
    @Ctx() ctx: HubContext,
    @Arg('organisation', { nullable: true }) organisation?: string,
    @Arg('includeRevoked', { nullable: true }) includeRevoked?: boolean,
  ): Promise<ApiKey[]> {
    ctx.accessRecord.sensitive = true;
    return listApiKeys(ctx.em, { organisation, includeRevoked: includeRevoked ?? false });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => IssuedApiKey, { description: 'Creates an API key (ADMIN). The key is in the answer once and never again.' })
  async createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: HubContext): Promise<IssuedApiKey> {
    const issued = await createApiKey(ctx.em, input);
    return { key: issued.plaintext, apiKey: issued.key };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApiKey, { description: 'Revokes an API key at once (ADMIN).' })
  revokeApiKey(@Arg('keyId') keyId: string, @Ctx() ctx: HubContext): Promise<ApiKey> {
    return revokeApiKey(ctx.em, keyId, ctx.pubSub);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => IssuedApiKey, {
    description: 'Replaces a key by a new one with the same role and scopes (ADMIN); the old one stops working after `graceHours` (default at once).',
  })
  async rotateApiKey(
    @Arg('keyId') keyId: string,
    @Ctx() ctx: HubContext,
    @Arg('graceHours', () => Int, { nullable: true }) graceHours?: number,
  ): Promise<IssuedApiKey> {
    const issued = await rotateApiKey(ctx.em, keyId, Math.max(0, Math.min(graceHours ?? 0, 720)), ctx.pubSub);
    return { key: issued.plaintext, apiKey: issued.key };
  }

  @Authorized(Role.ADMIN)
  @Query(() => AuditEntryConnection, { description: 'The audit trail (ADMIN), newest first.' })
  async auditLog(@Args() args: AuditLogArgs, @Ctx() ctx: HubContext): Promise<AuditEntryConnection> {
    ctx.accessRecord.sensitive = true;
    const qb = ctx.em.createQueryBuilder(AuditEntry, 'a');
    if (args.actor) qb.andWhere('a.actor = ?', [args.actor]);
    if (args.operationType) qb.andWhere('a.operation_type = ?', [args.operationType]);
    if (args.personalOnly) qb.andWhere('a.personal_records > 0');
    if (args.since) qb.andWhere('a.at >= ?', [args.since]);
    return new AuditEntryConnection(await paginate(qb, newestFirst, args));
  }

  @FieldResolver(() => Organisation)
  organisation(@Root() key: ApiKey, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Organisation, key.organisation);
  }
}

@Resolver(() => Organisation)
export class OrganisationResolver {
  @FieldResolver(() => Courier, { nullable: true, description: 'For a courier firm: the courier whose parcels its keys see.' })
  courier(@Root() org: Organisation, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Courier, org.courier);
  }

  @FieldResolver(() => Market, { nullable: true, description: 'For a platform: the market whose listings and sales its keys see in detail.' })
  platform(@Root() org: Organisation, @Ctx() ctx: HubContext) {
    return ctx.loaders.ref(Market, org.platform);
  }
}
