import { EVENTS_PAGE_SIZE } from '../logistics/logistics.resolver.js';
import { PRICE_ORDERINGS, priceConditions, productKeys } from '../pricing/price.service.js';
import { PriceOrder, type PriceFilter } from '../pricing/price.args.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../relay/connection.args.js';
import { REGION_CODE_PATTERN } from '../regions/region-code.validator.js';

/**
 * What the query compiler knows how to read (issue #10): an explicit list,
 * so that a field it does not know (a computed field, a resolver with its own
 * logic, an argument it does not read) is never guessed at; the operation
 * then runs through graphql-js as before. Every entry reads the same rows in
 * the same order as the resolver it stands for (the parity tests in
 * test/query-compiler compare both paths field by field, per role).
 */

/** Scalar fields read straight from the entity's column of the same property name. */
export const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  Market: ['code', 'name', 'channel', 'address', 'longitude', 'latitude'],
  PriceObservation: [
    'originText',
    'observedOn',
    'rawName',
    'spec',
    'lowPrice',
    'avgPrice',
    'highPrice',
    'unit',
    'lowPerKg',
    'avgPerKg',
    'highPerKg',
    'volume',
    'volumeUnit',
  ],
  Region: ['code', 'name', 'level'],
  Product: ['code', 'name', 'nameEn', 'aliases', 'isFarmProduct', 'coldChainMinC', 'coldChainMaxC'],
  Variety: ['name', 'aliases'],
  Shipment: [
    'trackingNumber',
    'status',
    'direction',
    'originCode',
    'destinationCode',
    'isFarmProduct',
    'weightKg',
    'recipientName',
    'recipientPhone',
    'recipientAddress',
    'promisedAt',
    'pickedUpAt',
    'deliveredAt',
    'lastEventAt',
  ],
  TrackingEvent: ['occurredAt', 'status', 'rawCode', 'rawText', 'areaCode', 'format', 'location', 'temperatureC'],
};

/** Many-to-one fields whose resolver is `loaders.ref(Target, row.<property>)`: GraphQL field -> entity property. */
export const TO_ONE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Market: { region: 'region' },
  PriceObservation: { product: 'product', variety: 'variety', market: 'market', originRegion: 'originRegion' },
  Region: { parent: 'parent' },
  Variety: { product: 'product' },
  Shipment: { originRegion: 'originRegion', destinationRegion: 'destinationRegion', product: 'product', platform: 'platform' },
  TrackingEvent: { region: 'region' },
};

/** Thrown while compiling: this operation (with these arguments, for this viewer) runs through graphql-js instead. */
export class NotCompilable extends Error {}

/** Column (without alias) and direction of each ordering key; the last key is unique. */
export type Order = readonly (readonly [column: string, direction: 'asc' | 'desc'])[];

/** A list read: table, conditions on alias `p` (with `?` placeholders and their values), order and page size. */
export interface ListRead {
  typeName: string;
  conditions: [string, unknown[]][];
  order: Order;
  limit: number;
  /** Rows of one key read under the same identity are one object for graphql-js (a DataLoader's cache); see Shape.identity. */
  identity?: string;
  /**
   * A table of exact row counts per key that `totalCount` may sum instead of counting the rows: set only where every
   * condition reads nothing but that table's key columns, under the same names (compile.ts then sums its `n` with the
   * same conditions on alias `p`). The compiler still counts the rows when the type's row scope is not "every row".
   */
  counts?: string;
  /**
   * A condition `p.<column> in (<keys>)` (keys: a sub-select of distinct values with `?` placeholders) that drives the
   * page read: one ordered, limited read per key (a LATERAL join, each on the index that leads with the column), whose
   * union is ordered and limited again. The same rows in the same order as the condition in the WHERE (the order's
   * last key is unique), without reading every row of every key; `totalCount` applies it as the condition.
   */
  driver?: { column: string; keys: [string, unknown[]] };
  /**
   * A nested list's link to its parent row: the many-to-one property of these rows that points at the parent's
   * entity. compile.ts makes the join condition from it (`p.<its column> = <parent>.<primary key>`), and may leave out
   * a row scope that the parent's implies through it (RowRule.through).
   */
  via?: string;
}

type Args = Record<string, unknown>;

/** `first` as the resolvers accept it (0 to MAX_PAGE_SIZE), else not compiled (the resolver reports the error). */
function pageSize(args: Args, fallback: number): number {
  const first = args.first ?? fallback;
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw new NotCompilable('first');
  return first;
}

/** Only forward pagination from the start is compiled; cursors and backward pages go through the resolvers. */
function onlyFirst(args: Args, allowed: readonly string[] = []): void {
  for (const [name, value] of Object.entries(args)) {
    if (value != null && name !== 'first' && !allowed.includes(name)) throw new NotCompilable(name);
  }
}

const text = (value: unknown, max: number): string | undefined => {
  if (value == null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw new NotCompilable('filter');
  return value;
};
const regionCode = (value: unknown): string | undefined => {
  if (value == null) return undefined;
  if (typeof value !== 'string' || !REGION_CODE_PATTERN.test(value)) throw new NotCompilable('filter');
  return value;
};

/**
 * `price_count` (migration 20261130010000) has the exact number of prices per (market_id, product_id, variety_id),
 * NULLs as keys of their own, kept by triggers in the writing transaction. A price filter whose conditions read only
 * those columns (product, variety, market, channel, market region: priceConditions) can be counted from it; origin,
 * dates and connector cannot.
 */
const PRICE_COUNTS = 'price_count';
const COUNTED_FILTERS: readonly string[] = ['product', 'variety', 'market', 'channel', 'marketRegionUnder'];
const countedFrom = (filter: PriceFilter): string | undefined =>
  Object.entries(filter).every(([key, value]) => value == null || COUNTED_FILTERS.includes(key)) ? PRICE_COUNTS : undefined;

/** The price filter as `PriceFilter`'s validators accept it; dates and anything unknown are left to the resolver. */
function priceFilter(value: unknown): PriceFilter {
  if (value == null) return {};
  const input = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(input)) {
    if (v != null && !['product', 'variety', 'market', 'channel', 'originUnder', 'marketRegionUnder', 'connector'].includes(key)) {
      throw new NotCompilable(`filter.${key}`);
    }
  }
  return {
    product: text(input.product, 100),
    variety: text(input.variety, 100),
    market: text(input.market, 64),
    channel: (input.channel ?? undefined) as PriceFilter['channel'],
    originUnder: regionCode(input.originUnder),
    marketRegionUnder: regionCode(input.marketRegionUnder),
    connector: text(input.connector, 64),
  };
}

const priceOrder = (order: PriceOrder): Order => {
  const ordering = PRICE_ORDERINGS[order];
  if (!ordering) throw new NotCompilable('orderBy');
  return ordering.keys.map((k) => [k.sql.replace(/^p\./, ''), ordering.direction] as const);
};

/** Root list fields: `Query.<name>` -> the connection's rows. */
export const ROOT_LISTS: Readonly<Record<string, (args: Args) => ListRead>> = {
  markets(args) {
    onlyFirst(args);
    return { typeName: 'Market', conditions: [], order: [['code', 'asc']], limit: pageSize(args, DEFAULT_PAGE_SIZE) };
  },
  prices(args) {
    onlyFirst(args, ['filter', 'orderBy']);
    const filter = priceFilter(args.filter);
    return {
      typeName: 'PriceObservation',
      // A product's prices are read newest first from its (product_id, observed_on) index, product by product (issue #10,
      // shape b): before, every price of the other conditions (half the table for a province's subtree) was read and sorted.
      conditions: priceConditions({ ...filter, product: undefined }),
      driver: filter.product ? { column: 'product_id', keys: productKeys(filter.product) } : undefined,
      counts: countedFrom(filter),
      order: priceOrder((args.orderBy as PriceOrder | undefined) ?? PriceOrder.OBSERVED_ON_DESC),
      limit: pageSize(args, DEFAULT_PAGE_SIZE),
    };
  },
  shipments(args) {
    onlyFirst(args);
    return { typeName: 'Shipment', conditions: [], order: [['id', 'desc']], limit: pageSize(args, DEFAULT_PAGE_SIZE) };
  },
};

/** Nested one-to-many fields: `<Type>.<field>` -> the rows under a parent (linked by `via`), and whether the field is a connection. */
export const NESTED_LISTS: Readonly<Record<string, Readonly<Record<string, (args: Args) => ListRead & { via: string; connection: boolean }>>>> = {
  Market: {
    // MarketPricesResolver: the newest prices of the market; a `market` in the filter is ignored (the market is given).
    prices(args) {
      onlyFirst(args, ['filter']);
      const filter = { ...priceFilter(args.filter), market: undefined };
      return {
        typeName: 'PriceObservation',
        via: 'market',
        conditions: priceConditions(filter),
        counts: countedFrom(filter),
        order: priceOrder(PriceOrder.OBSERVED_ON_DESC),
        limit: pageSize(args, DEFAULT_PAGE_SIZE),
        connection: true,
        // MarketPricesResolver's loader per (first, filter)
        identity: `market.prices:${JSON.stringify({ first: args.first ?? DEFAULT_PAGE_SIZE, filter })}`,
      };
    },
  },
  Shipment: {
    // ShipmentResolver.events: the parcel's timeline in event time order, at most `first`.
    events(args) {
      onlyFirst(args);
      return {
        typeName: 'TrackingEvent',
        via: 'shipment',
        conditions: [],
        order: [
          ['occurred_at', 'asc'],
          ['id', 'asc'],
        ],
        limit: pageSize(args, EVENTS_PAGE_SIZE),
        connection: false,
        // one DataLoader of all the parcel's events, whatever `first`
        identity: 'events',
      };
    },
  },
};
