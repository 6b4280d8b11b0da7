import { Arg, Authorized, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { HubContext } from '../../graphql/context.js';
import { Role } from '../../policy/role.js';
import { aliasesToCsv, parseAliasCsv } from './alias-csv.js';
import { exportAliases, importAliases } from './review.service.js';
import { actorOf } from './review.resolver.js';

@ObjectType({ description: 'Outcome of an alias import: every row was valid and is now in force.' })
export class ImportAliasesPayload {
  @Field(() => Int, { description: 'Aliases added or moved to another product.' })
  imported!: number;

  @Field(() => Int, { description: 'Rows that named what the name already names.' })
  unchanged!: number;

  @Field(() => Int, { description: 'Stored facts re-linked (their earlier product kept in `relinks`).' })
  relinked!: number;
}

/** Officials' export and import of the alias table as CSV (issue #14); also at /catalog/aliases.csv. */
@Resolver()
export class AliasCsvResolver {
  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Query(() => String, {
    description:
      'The alias table as CSV (officials): every name the catalogue files give a product or variety (source CATALOGUE), and every reviewed or imported alias. Header `alias,product,variety,source,created_by,created_at,note`.',
  })
  async aliasesCsv(@Ctx() ctx: HubContext): Promise<string> {
    return aliasesToCsv(await exportAliases(ctx.em));
  }

  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Mutation(() => ImportAliasesPayload, {
    description:
      'Imports aliases from CSV (officials): columns `alias,product` and optionally `variety,note`. Every row is checked first; any problem refuses the whole file (BAD_USER_INPUT with `problems`: line, field, message) and nothing is written.',
  })
  async importAliases(
    @Arg('csv', { description: 'The CSV text (UTF-8; a BOM is allowed), at most 20,000 rows.' }) csv: string,
    @Ctx() ctx: HubContext,
  ): Promise<ImportAliasesPayload> {
    return importAliases(ctx.em, parseAliasCsv(csv), actorOf(ctx));
  }
}
