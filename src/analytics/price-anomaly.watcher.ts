import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import type { Leadership } from '../platform/leadership.js';
import { PRICES_OBSERVED, type PricesObservedEvent } from '../pricing/price.events.js';
import { scanPriceAnomalies } from './price-anomaly.service.js';

/** `YYYY-MM-DD` of a date column as a driver may hand it over (string, or a Date at local midnight). @internal */
function dayOf(value: unknown): string {
  if (value instanceof Date) {
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
  }
  return String(value ?? '').slice(0, 10);
}

export interface PriceAnomalyWatcherOptions {
  em: EntityManager;
  pubSub: HubPubSub;
  log: Logger;
  /** Quiet time after the last new price before scanning, so a batch is scanned once. @default 300 */
  debounceMs?: number;
  /**
   * With Redis every instance hears every PRICES_OBSERVED event: then only the
   * leader of `price-anomaly-watcher` scans (issue #12). Without Redis each
   * instance hears only its own prices and scans them itself (leave unset).
   */
  leadership?: Leadership;
}

/**
 * Scans for price anomalies whenever new prices are stored: listens to the
 * same PRICES_OBSERVED events (one per stored batch) as the `priceObserved` subscription, collects the
 * products and days a burst of prices touched, and scans those once the burst
 * is over. With several instances on Redis only the leader scans; alerts are
 * also deduplicated by key, so a burst scanned twice around a leadership
 * change is still alerted once.
 */
export function startPriceAnomalyWatcher(options: PriceAnomalyWatcherOptions): { stop(): Promise<void> } {
  const debounceMs = options.debounceMs ?? 300;
  const events = options.pubSub.subscribe(PRICES_OBSERVED);
  let pending = { products: new Set<number>(), from: '', to: '' };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const scan = () => {
    const batch = pending;
    pending = { products: new Set(), from: '', to: '' };
    if (!batch.products.size) return;
    running = running
      .then(async () => {
        if (options.leadership && !(await options.leadership.lead('price-anomaly-watcher'))) return;
        const result = await scanPriceAnomalies(options.em.fork(), options.pubSub, { from: batch.from, to: batch.to, productIds: [...batch.products] });
        if (result.alertsRaised) options.log.info({ alerts: result.alertsRaised, from: batch.from, to: batch.to }, 'price anomalies alerted');
      })
      .catch((error) => options.log.error({ err: error }, 'price anomaly scan failed'));
  };

  void (async () => {
    for await (const payload of events) {
      if (stopped) break;
      const batch = payload as PricesObservedEvent;
      const products = batch.columns.product_id ?? [];
      const days = batch.columns.observed_on ?? [];
      let touched = false;
      for (let i = 0; i < batch.count; i++) {
        const productId = products[i];
        const day = dayOf(days[i]);
        if (productId == null || !/^\d{4}-\d{2}-\d{2}$/.test(day)) continue;
        touched = true;
        pending.products.add(Number(productId));
        if (!pending.from || day < pending.from) pending.from = day;
        if (!pending.to || day > pending.to) pending.to = day;
      }
      if (!touched) continue;
      clearTimeout(timer);
      timer = setTimeout(scan, debounceMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await events.return?.();
      await running;
    },
  };
}
