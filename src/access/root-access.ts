import type { GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/**
 * Who may call which root Query and Subscription field (session 7, fail closed by construction, like the row rules
 * of issue #11). A root field either declares its roles with `@Authorized(...)` (checked by `authChecker`, at
 * subscribe time too) or is listed here, with the reason it may be open to every role and to anonymous demo
 * callers; the schema refuses to build otherwise (`assertRootAccess`). Before this, a field without `@Authorized`
 * was open to everyone by default: `connectors` showed couriers, platforms and demo callers the connectors'
 * cursors, last error texts and the paths of refused files on the hub host.
 *
 * Open means the field runs for every caller; the rows and values it returns are still the row rules'
 * (src/access/row-rules.ts) and the masks' (`@classified`). Mutations have their own default (ADMIN only unless
 * `@Authorized`, src/access/field-policy.ts).
 *
 * Operations and data quality (connector state, review queues, review decisions) are OFFICIAL and ADMIN only.
 */
export const OPEN_ROOT_FIELDS: Readonly<Record<string, string>> = {
  'Query.node': 'loads only types with a row rule; the rule decides',
  'Query.nodes': 'loads only types with a row rule; the rule decides',
  'Query.viewer': 'the caller itself',
  'Query.regions': 'public reference data',
  'Query.region': 'public reference data',
  'Query.products': 'public reference data',
  'Query.product': 'public reference data',
  'Query.productCategories': 'public reference data',
  'Query.markets': 'public reference data',
  'Query.market': 'public reference data',
  'Query.couriers': 'public reference data',
  'Query.logisticsNodes': 'public reference data (filed service points)',
  'Query.prices': 'public market data',
  'Query.priceSeries': 'public market data, aggregated',
  'Query.priceAnomalies': 'public market data, computed',
  'Query.supplyDemand': 'aggregates in kg and yuan, no firm named',
  'Query.salesByChannel': 'aggregates per channel, no firm named',
  'Query.parcelStats': 'aggregates per region, no parcel named',
  'Query.villageCoverage': 'aggregates per county',
  'Query.subsidyReport': 'the resolver refuses COURIER and PLATFORM (assertOfficialView)',
  'Query.courierQuality': 'the resolver refuses COURIER and PLATFORM (assertOfficialView)',
  'Query.supplyListings': 'row rules: a platform its own; figures masked for couriers and demo',
  'Query.salesRecords': 'row rules: a platform its own; figures masked for couriers and demo',
  'Query.shipments': 'row rules: a courier or platform its own parcels; recipients masked',
  'Query.shipment': 'row rules: a courier or platform its own parcels; recipients masked',
  'Query.alerts': 'row rules: ABNORMAL_ACCESS only for OFFICIAL and ADMIN; a courier or platform its own parcels',
  'Query.rejectedRecords': "row rules: ADMIN, or the courier's or platform's own feed; nothing for others",
  'Subscription.priceObserved': 'public market data',
  'Subscription.shipmentUpdated': 'row rules on every event',
  'Subscription.alertRaised': 'row rules on every event',
};

/** The roles `@Authorized(...)` gives a root field (`[]`: any authenticated caller), or undefined when it declares none. */
export function declaredRoles(root: 'Query' | 'Subscription', field: string): readonly string[] | undefined {
  const storage = getMetadataStorage();
  const handlers = (root === 'Query' ? storage.queries : storage.subscriptions).filter((h) => h.schemaName === field);
  // Fail closed: a field declared by several resolvers counts as declared only when every one of them says who.
  if (handlers.length === 0 || handlers.some((h) => h.roles === undefined)) return undefined;
  return handlers.flatMap((h) => h.roles as string[]);
}

/**
 * Refuses a schema with a root Query or Subscription field that neither declares `@Authorized(...)` nor is listed
 * in OPEN_ROOT_FIELDS, or one that does both (the list must say what is really open).
 */
export function assertRootAccess(schema: GraphQLSchema): void {
  const undecided: string[] = [];
  const both: string[] = [];
  for (const type of [schema.getQueryType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    const root = type.name as 'Query' | 'Subscription';
    for (const field of Object.keys(type.getFields())) {
      const name = `${root}.${field}`;
      const roles = declaredRoles(root, field);
      if (roles === undefined && !(name in OPEN_ROOT_FIELDS)) undecided.push(name);
      if (roles !== undefined && name in OPEN_ROOT_FIELDS) both.push(name);
    }
  }
  if (undecided.length || both.length) {
    throw new Error(
      'Every root Query and Subscription field must say who may call it (src/access/root-access.ts): ' +
        [
          undecided.length ? `declare @Authorized(...) or list it as open for: ${undecided.sort().join(', ')}` : '',
          both.length ? `declared @Authorized(...) yet listed as open: ${both.sort().join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ') +
        '.',
    );
  }
}
