import type { MarketChannel } from '../markets/market-channel.js';

/**
 * Pub/sub topic of stored prices: ONE event per stored batch ({@link PricesObservedEvent}), not one per price
 * (issue #13: a bulk load of a million prices published a million events, a few microseconds of the hub's CPU each,
 * through Redis when it is configured). The `priceObserved` subscription and the anomaly watcher read every price of
 * the batch from it ({@link pricesOf}); subscribers still see each stored price once, in the order stored.
 */
export const PRICES_OBSERVED = 'PRICES_OBSERVED';

/**
 * One stored price as a subscriber sees it: the stored row plus the codes subscribers filter on, so that no
 * subscriber needs a database query to decide whether the price is theirs.
 */
export interface PriceObservedEvent {
  row: Record<string, unknown>;
  productCode: string | null;
  varietyName: string | null;
  marketCode: string;
  channel: MarketChannel;
}

/**
 * The prices of one stored batch, column by column (plain JSON: it crosses Redis): `columns[name][i]` is column
 * `name` (`id`, `source_connector`, … `ingested_at`, as `RETURNING *` names them) of the batch's i-th stored price.
 */
export interface PricesObservedEvent {
  count: number;
  columns: Record<string, unknown[]>;
  productCodes: (string | null)[];
  varietyNames: (string | null)[];
  marketCodes: string[];
  channels: MarketChannel[];
}

/** The prices of a batch event, one by one, in the order stored. */
export function* pricesOf(event: PricesObservedEvent): Generator<PriceObservedEvent> {
  const names = Object.keys(event.columns);
  const columns = names.map((name) => event.columns[name]);
  for (let i = 0; i < event.count; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]] = columns[c][i];
    yield { row, productCode: event.productCodes[i], varietyName: event.varietyNames[i], marketCode: event.marketCodes[i], channel: event.channels[i] };
  }
}
