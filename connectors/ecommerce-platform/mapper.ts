import { MarketChannel } from '../../src/markets/market-channel.js';
import { reject, type CanonicalRecordInput, type MappingFailure } from '../../src/ingest/records.js';
import type { EcommercePlatformConfig } from './config.js';

/**
 * Platform items -> canonical supply listings and sales records.
 *
 * listings: `{id, title, shop, origin, quantity, unit, price, price_unit, available_from, available_to, updated_at}`
 * sales:    `{id, title, origin, destination_code, period_start, period_end, quantity, unit, amount, orders, updated_at}`
 *
 * Each version of an item is its own fact (`<id>@<updated_at>`): an update on
 * the platform adds a fact rather than overwriting what was reported before.
 */
export function mapPlatformItem(raw: unknown, config: EcommercePlatformConfig): CanonicalRecordInput | MappingFailure {
  const item = raw as Record<string, unknown>;
  if (!item || typeof item !== 'object') return reject('not an object');
  if (item.id === undefined || item.id === null || item.id === '') return reject('id is missing', 'id');
  if (typeof item.updated_at !== 'string' || Number.isNaN(Date.parse(item.updated_at))) return reject('updated_at is missing or not a time', 'updated_at');
  const number = (field: string) => (item[field] === undefined || item[field] === null || item[field] === '' ? undefined : Number(item[field]));
  const text = (field: string) => (typeof item[field] === 'string' && item[field] !== '' ? (item[field] as string) : undefined);
  const day = (field: string) => text(field)?.slice(0, 10);
  const origin = text('origin');
  const common = {
    sourceKey: `${item.resource}:${String(item.id)}@${item.updated_at}`,
    rawName: text('title') ?? '',
    // A six-to-twelve digit origin is a region code; anything else is an origin as written.
    ...(origin && /^\d{6}(\d{3})?(\d{3})?$/.test(origin) ? { originRegion: origin } : { originText: origin }),
  };
  if (item.resource === 'listings') {
    return {
      kind: 'supply',
      ...common,
      platform: config.platform,
      seller: text('shop') ?? '',
      quantity: number('quantity') as number,
      quantityUnit: text('unit') ?? '',
      price: number('price'),
      priceUnit: text('price_unit'),
      availableFrom: day('available_from') ?? '',
      availableTo: day('available_to'),
    };
  }
  if (item.resource === 'sales') {
    return {
      kind: 'sale',
      ...common,
      platform: config.platform,
      channel: MarketChannel.ECOMMERCE_PLATFORM,
      destinationRegion: text('destination_code'),
      periodStart: day('period_start') ?? '',
      periodEnd: day('period_end') ?? '',
      quantity: number('quantity') as number,
      quantityUnit: text('unit') ?? '',
      amount: number('amount') as number,
      orders: number('orders') ?? 0,
    };
  }
  return reject(`unknown resource "${String(item.resource)}"`, 'resource');
}
