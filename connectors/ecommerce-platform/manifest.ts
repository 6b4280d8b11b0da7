import type { z } from 'zod';
import { defineConnector } from '../../src/ingest/connectors/connector.js';
import { mapPlatformItem } from './mapper.js';
import { readPlatform } from './reader.js';
import { ecommercePlatformConfig, type EcommercePlatformConfig } from './config.js';

/** Supply listings and sales from an e-commerce platform's paginated REST API. */
export default defineConnector<EcommercePlatformConfig>({
  name: 'ecommerce-platform',
  kind: 'pull',
  description: 'E-commerce platform REST API: supply listings and sales, paginated, incremental by updated_since.',
  schedule: { intervalSeconds: 900 },
  config: ecommercePlatformConfig as z.ZodType<EcommercePlatformConfig>,
  read: readPlatform,
  map: mapPlatformItem,
  // The platform's own keys see its refused items (masked), as a courier sees its feed's (issue #11).
  submitter: (config) => `platform:${config.platform}`,
});
