import 'reflect-metadata';
import { specifiedDirectives, type GraphQLSchema } from 'graphql';
import { buildSchema, type ClassType } from 'type-graphql';
import type { HubPubSub } from './platform/pubsub.js';
import { NodeResolver } from './relay/node.resolver.js';
import { RegionResolver } from './regions/region.resolver.js';
import { OriginLabelResolver, ProductCategoryResolver, ProductResolver, VarietyResolver } from './catalog/catalog.resolver.js';
// Import order is registration order, hence the order of fields in schema/schema.graphql.
import { PriceResolver } from './pricing/price.resolver.js';
import { PriceIngestResolver } from './ingest/price-ingest.resolver.js';
import { MarketPricesResolver } from './pricing/market-prices.resolver.js';
import { MarketResolver } from './markets/market.resolver.js';
import { SalesRecordResolver, SupplyListingResolver } from './supply/supply.resolver.js';
import { CourierResolver, LogisticsNodeResolver, ShipmentResolver, TrackingEventResolver } from './logistics/logistics.resolver.js';
import { TrackingIngestResolver } from './logistics/tracking-ingest.resolver.js';
import { ShipmentUpdatesResolver } from './logistics/shipment-updates.resolver.js';
import { AlertResolver } from './alerts/alert.resolver.js';
import { RejectedRecordResolver } from './ingest/rejected-record.resolver.js';
import { RejectedReplayResolver } from './ingest/replay.resolver.js';
import { ConnectorResolver } from './ingest/connectors/connector.resolver.js';
import { UnmatchedNameResolver } from './ingest/review/review.resolver.js';
import { UnmatchedOriginResolver } from './ingest/review/origin-review.resolver.js';
import { AliasCsvResolver } from './ingest/review/alias-csv.resolver.js';
import { RelinkResolver } from './ingest/review/relink.resolver.js';
import { ProductLineageResolver } from './ingest/lineage.resolver.js';
import { analyticsResolvers } from './analytics/analytics.resolvers.js';
import { validateArgs } from './graphql/validation.js';
import { ApiKeyResolver, OrganisationResolver } from './access/access.resolver.js';
import { authChecker } from './access/access.middleware.js';
import { applyFieldPolicy } from './access/field-policy.js';
import { classifiedDirective } from './policy/classification.js';
import { assertRowRules } from './access/row-rules.js';
import { assertRootAccess } from './access/root-access.js';

/** Every resolver of the public schema, by area. */
export const resolvers = [
  NodeResolver,
  RegionResolver,
  ProductResolver,
  VarietyResolver,
  OriginLabelResolver,
  ProductCategoryResolver,
  MarketResolver,
  PriceResolver,
  MarketPricesResolver,
  SupplyListingResolver,
  SalesRecordResolver,
  CourierResolver,
  LogisticsNodeResolver,
  ShipmentResolver,
  TrackingEventResolver,
  TrackingIngestResolver,
  ShipmentUpdatesResolver,
  AlertResolver,
  RejectedRecordResolver,
  RejectedReplayResolver,
  PriceIngestResolver,
  ConnectorResolver,
  UnmatchedNameResolver,
  UnmatchedOriginResolver,
  AliasCsvResolver,
  RelinkResolver,
  ProductLineageResolver,
  ...analyticsResolvers,
  ApiKeyResolver,
  OrganisationResolver,
] as const;

/**
 * Builds the one shared supply-and-sales schema; refuses to when an object
 * type declares no row rule (issue #11) or a root Query or Subscription field
 * does not say who may call it (src/access/root-access.ts). `extraResolvers` is for tests.
 */
export async function buildHubSchema(pubSub: HubPubSub, extraResolvers: readonly ClassType[] = []): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...resolvers, ...extraResolvers] as unknown as typeof resolvers,
    pubSub,
    validateFn: validateArgs,
    // Access control (issue #6): @Authorized roles here; default policy, masking of @classified fields and audit
    // counts wrapped around the fields that need them once, below (issue #10: no global middleware).
    authChecker,
    directives: [...specifiedDirectives, classifiedDirective],
    emitSchemaFile: false,
  });
  assertRowRules(schema);
  assertRootAccess(schema);
  return applyFieldPolicy(schema);
}
