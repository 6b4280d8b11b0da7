import type { z } from 'zod';
import { defineConnector } from '../../src/ingest/connectors/connector.js';
import { wholesalePricesConfig, type WholesalePricesConfig } from './config.js';
import { mapPriceRow, priceMapperFor } from './mapper.js';
import { readPrices, refusedFiles } from './reader.js';

/** Wholesale price lists (any header the synonym table or `columns` places: Xinfadi, ministry portal, market boards) from a file, a folder or a URL. */
export default defineConnector<WholesalePricesConfig>({
  name: 'wholesale-prices',
  kind: 'pull',
  description: 'Wholesale market price lists: CSV, XLSX or JSON, from a file, a watched folder or an HTTP URL.',
  schedule: { intervalSeconds: 3600 },
  config: wholesalePricesConfig as z.ZodType<WholesalePricesConfig>,
  read: readPrices,
  map: mapPriceRow,
  mapperFor: priceMapperFor,
  refusals: refusedFiles,
});
