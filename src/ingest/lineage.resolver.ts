import { Ctx, Field, FieldResolver, Int, ObjectType, Resolver, Root, registerEnumType } from 'type-graphql';
import { GraphQLLocalDate } from 'graphql-scalars';
import type { HubContext } from '../graphql/context.js';
import { sqlList } from '../platform/sql.js';
import { Product } from '../catalog/product.entity.js';
import { Region } from '../regions/region.entity.js';

export enum FactKind {
  PRICE = 'PRICE',
  SUPPLY = 'SUPPLY',
  SALES = 'SALES',
}
registerEnumType(FactKind, { name: 'FactKind', description: 'Which kind of fact: price observations, supply listings or sales records.' });

@ObjectType({ description: 'One source backing a product from one origin: which connector, what kind of facts, how many, over which days.' })
export class ProductOriginSource {
  /** @internal */
  originRegionCode!: string | null;

  @Field(() => Region, { nullable: true, description: 'Origin region (null: origin unknown or not a single region, e.g. "冀鲁豫").' })
  originRegion?: Region | null;

  @Field({ description: 'Connector the facts came from (their `source.connector`).' })
  connector!: string;

  @Field(() => FactKind)
  kind!: FactKind;

  @Field(() => Int)
  facts!: number;

  @Field(() => GraphQLLocalDate)
  firstDay!: string;

  @Field(() => GraphQLLocalDate)
  lastDay!: string;
}

/** Lineage in the catalogue: which sources back a product, by origin. */
@Resolver(() => Product)
export class ProductLineageResolver {
  @FieldResolver(() => [ProductOriginSource], {
    description: "The product's origin profile: for each origin region, the connectors whose prices, listings and sales back it, with counts and dates.",
  })
  async originProfile(@Root() product: Product, @Ctx() ctx: HubContext): Promise<ProductOriginSource[]> {
    const loader = ctx.loaders.custom<number, ProductOriginSource[]>('lineage:originProfile', async (ids) => {
      const rows = await ctx.em
        .getConnection()
        .execute<(ProductOriginSource & { product_id: number; origin_region_code: string | null; first_day: string; last_day: string })[]>(
          `select product_id, origin_region_code, source_connector as connector, kind, count(*)::int as facts, min(day)::text as first_day, max(day)::text as last_day
           from (select product_id, origin_region_code, source_connector, 'PRICE' as kind, observed_on as day from price_observation where product_id in (?)
                 union all
                 select product_id, origin_region_code, source_connector, 'SUPPLY', available_from from supply_listing where product_id in (?)
                 union all
                 select product_id, origin_region_code, source_connector, 'SALES', period_start from sales_record where product_id in (?)) f
          group by product_id, origin_region_code, source_connector, kind
          order by product_id, origin_region_code nulls last, facts desc`,
          [sqlList(ids), sqlList(ids), sqlList(ids)],
        );
      const byProduct = new Map<number, ProductOriginSource[]>(ids.map((id) => [id, []]));
      for (const row of rows) {
        byProduct.get(row.product_id)?.push({
          originRegionCode: row.origin_region_code,
          connector: row.connector,
          kind: row.kind,
          facts: row.facts,
          firstDay: row.first_day,
          lastDay: row.last_day,
        });
      }
      return ids.map((id) => byProduct.get(id) ?? []);
    });
    const sources = await loader.load(product.id);
    return Promise.all(sources.map(async (s) => ({ ...s, originRegion: s.originRegionCode ? await ctx.loaders.byKey(Region, s.originRegionCode) : null })));
  }
}
