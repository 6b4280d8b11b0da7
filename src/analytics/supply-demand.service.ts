import type { EntityManager } from '@mikro-orm/postgresql';
import { UNITS_PER_KG } from '../catalog/units.js';
import { inSubtree } from '../regions/region-code.validator.js';
import { assertPeriod, share } from './analytics-args.js';
import { SUPPLY_LEVEL_LENGTH, type ChannelSales, type SalesByChannelArgs, type SupplyDemandArgs, type SupplyDemandRow } from './supply-demand.types.js';

/**
 * `(values ('斤', 2), ('公斤', 1), ...) as kg(unit, per_kg)`: the catalogue's
 * weight units, so quantities in any weight unit add up in kg. Built from
 * constants, never from input.
 */
function unitTable(alias: string): string {
  const values = Object.entries(UNITS_PER_KG).map(([unit, perKg]) => `('${unit.replace(/'/g, "''")}', ${perKg}::numeric)`);
  return `(values ${values.join(', ')}) as ${alias}(unit, per_kg)`;
}

/** `lower(trim(...))` for latin units, as catalog/units.ts `bareUnit` does. */
const bare = (column: string) => `(case when trim(${column}) ~ '^[A-Za-z]+$' then lower(trim(${column})) else trim(${column}) end)`;

function productCondition(column: string, product?: string): [string, unknown[]] {
  return product ? [`and ${column} in (select id from product where code = ? or name = ? or ? = any(aliases))`, [product, product, product]] : ['', []];
}

/**
 * Supply (listings) against sales per origin region at a level and product,
 * in one statement: two grouped sub-queries joined on (region, product), with
 * quantities converted to kg through the catalogue's weight units.
 */
export async function supplyDemand(em: EntityManager, args: SupplyDemandArgs): Promise<SupplyDemandRow[]> {
  assertPeriod(args.from, args.to);
  const len = SUPPLY_LEVEL_LENGTH[args.level];
  const [supplyRegion, supplyRegionParams] = inSubtree('l.origin_region_code', args.regionUnder);
  const [salesRegion, salesRegionParams] = inSubtree('s.origin_region_code', args.regionUnder);
  const [supplyProduct, supplyProductParams] = productCondition('l.product_id', args.product);
  const [salesProduct, salesProductParams] = productCondition('s.product_id', args.product);
  const rows = await em.getConnection().execute<Record<string, string>[]>(
    `with supply as (
       select left(l.origin_region_code, ${len}) as region, l.product_id, count(*) as listings,
              coalesce(sum(l.quantity / kg.per_kg), 0) as kg
         from supply_listing l left join ${unitTable('kg')} on kg.unit = ${bare('l.quantity_unit')}
        where l.product_id is not null and length(l.origin_region_code) >= ${len} and ${supplyRegion}
          and (?::date is null or l.available_from >= ?::date) and (?::date is null or l.available_from <= ?::date) ${supplyProduct}
        group by 1, 2
     ), sales as (
       select left(s.origin_region_code, ${len}) as region, s.product_id, count(*) as records,
              coalesce(sum(s.quantity / kg.per_kg), 0) as kg, sum(s.amount) as amount, sum(s.orders) as orders
         from sales_record s left join ${unitTable('kg')} on kg.unit = ${bare('s.quantity_unit')}
        where s.product_id is not null and length(s.origin_region_code) >= ${len} and ${salesRegion}
          and (?::date is null or s.period_start >= ?::date) and (?::date is null or s.period_start <= ?::date) ${salesProduct}
        group by 1, 2
     )
     select coalesce(a.region, b.region) as region, p.code as product_code, p.name as product_name,
            coalesce(a.listings, 0) as listings, round(coalesce(a.kg, 0), 2) as supply_kg,
            coalesce(b.records, 0) as records, round(coalesce(b.kg, 0), 2) as sales_kg,
            coalesce(b.amount, 0) as amount, coalesce(b.orders, 0) as orders
       from supply a full join sales b on a.region = b.region and a.product_id = b.product_id
       join product p on p.id = coalesce(a.product_id, b.product_id)
      order by 1, 2`,
    [
      ...supplyRegionParams,
      args.from ?? null,
      args.from ?? null,
      args.to ?? null,
      args.to ?? null,
      ...supplyProductParams,
      ...salesRegionParams,
      args.from ?? null,
      args.from ?? null,
      args.to ?? null,
      args.to ?? null,
      ...salesProductParams,
    ],
  );
  return rows.map((r) => {
    const supplyKg = Number(r.supply_kg);
    const salesKg = Number(r.sales_kg);
    return {
      regionCode: r.region,
      productCode: r.product_code,
      productName: r.product_name,
      listings: Number(r.listings),
      supplyKg,
      salesRecords: Number(r.records),
      salesKg,
      salesAmount: Number(r.amount),
      orders: Number(r.orders),
      balanceKg: Math.round((supplyKg - salesKg) * 100) / 100,
      sellThrough: share(salesKg, supplyKg),
    };
  });
}

/** Sales per channel (quantity in kg, amount, orders, share of the amount), in one GROUP BY. */
export async function salesByChannel(em: EntityManager, args: SalesByChannelArgs): Promise<ChannelSales[]> {
  assertPeriod(args.from, args.to);
  const [region, regionParams] = inSubtree('s.origin_region_code', args.regionUnder);
  const [product, productParams] = productCondition('s.product_id', args.product);
  const rows = await em.getConnection().execute<Record<string, string>[]>(
    `select s.channel, count(*) as records, round(coalesce(sum(s.quantity / kg.per_kg), 0), 2) as kg,
            sum(s.amount) as amount, sum(s.orders) as orders,
            sum(s.amount) / nullif(sum(sum(s.amount)) over (), 0) as amount_share
       from sales_record s left join ${unitTable('kg')} on kg.unit = ${bare('s.quantity_unit')}
      where ${region} and (?::date is null or s.period_start >= ?::date) and (?::date is null or s.period_start <= ?::date) ${product}
      group by s.channel
      order by amount desc`,
    [...regionParams, args.from ?? null, args.from ?? null, args.to ?? null, args.to ?? null, ...productParams],
  );
  return rows.map((r) => ({
    channel: r.channel as ChannelSales['channel'],
    records: Number(r.records),
    quantityKg: Number(r.kg),
    amount: Number(r.amount),
    orders: Number(r.orders),
    amountShare: r.amount_share == null ? null : Math.round(Number(r.amount_share) * 10000) / 10000,
  }));
}
