import type { MarketChannel } from '../markets/market-channel.js';

/** Pub/sub topic of stored price observations. */
export const PRICE_OBSERVED = 'PRICE_OBSERVED';

/**
 * What the ingest path publishes for each stored price: the stored row plus the
 * codes subscribers filter on, so that no subscriber needs a database query to
 * decide whether the event is theirs. Plain JSON (it crosses Redis).
 */
export interface PriceObservedEvent {
  row: Record<string, unknown>;
  productCode: string | null;
  varietyName: string | null;
  marketCode: string;
  channel: MarketChannel;
}
