import { Region } from './regions/region.entity.js';
import { ProductCategory } from './catalog/product-category.entity.js';
import { Product } from './catalog/product.entity.js';
import { Variety } from './catalog/variety.entity.js';
import { OriginLabel } from './catalog/origin-label.entity.js';
import { Market } from './markets/market.entity.js';
import { PriceObservation } from './pricing/price-observation.entity.js';
import { SupplyListing } from './supply/supply-listing.entity.js';
import { SalesRecord } from './supply/sales-record.entity.js';
import { Courier } from './logistics/courier.entity.js';
import { LogisticsNode } from './logistics/logistics-node.entity.js';
import { Shipment } from './logistics/shipment.entity.js';
import { TrackingEvent } from './logistics/tracking-event.entity.js';
import { Alert } from './alerts/alert.entity.js';
import { RejectedRecord } from './ingest/rejected-record.entity.js';
import { ConnectorState } from './ingest/connectors/connector-state.entity.js';
import { UnmatchedName } from './ingest/review/unmatched-name.entity.js';
import { CourierCredential } from './logistics/courier-credential.entity.js';
import { WebhookSignature } from './logistics/webhook-signature.entity.js';
import { Organisation } from './access/organisation.entity.js';
import { ApiKey } from './access/api-key.entity.js';
import { AuditEntry } from './access/audit-entry.entity.js';
import { ParcelDailyStat } from './analytics/parcel-daily-stat.entity.js';
import { CatalogAlias } from './catalog/catalog-alias.entity.js';
import { SeedVersion } from './catalog/seed-version.entity.js';
import { UnmatchedOrigin } from './ingest/review/unmatched-origin.entity.js';
import { OriginAlias } from './ingest/review/origin-alias.entity.js';
import { MatchRelink } from './ingest/review/match-relink.entity.js';

/** Every persisted entity of the canonical model; the ORM and the migrations read this list. */
export const entities = [
  Region,
  ProductCategory,
  Product,
  Variety,
  OriginLabel,
  Market,
  PriceObservation,
  SupplyListing,
  SalesRecord,
  Courier,
  LogisticsNode,
  Shipment,
  TrackingEvent,
  Alert,
  RejectedRecord,
  ConnectorState,
  UnmatchedName,
  CourierCredential,
  WebhookSignature,
  Organisation,
  ApiKey,
  AuditEntry,
  ParcelDailyStat,
  CatalogAlias,
  SeedVersion,
  UnmatchedOrigin,
  OriginAlias,
  MatchRelink,
];
