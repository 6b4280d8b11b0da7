import { z } from 'zod';
import { defineConnector } from '../../src/ingest/connectors/connector.js';
import { readTableFile } from '../../src/ingest/tabular-file.js';
// Officials' sheets use the price-list layout, so the mapping is the wholesale-prices one.
import { priceColumnsConfig, priceUnitConfig } from '../wholesale-prices/columns.config.js';
import { mapPriceRow, priceMapperFor } from '../wholesale-prices/mapper.js';

const config = z.object({
  /** Market the sheet's prices belong to when a row has no 市场 column. @default "taiyuan-hexi" */
  market: z.string().default('taiyuan-hexi'),
  /** Market names in the sheet's 市场 column -> hub market codes. */
  marketCodes: z.record(z.string(), z.string()).default({}),
  /** Role -> header for sheets whose headers are not recognised (as wholesale-prices' `columns`). */
  columns: priceColumnsConfig.optional(),
  /** The unit prices are per when a sheet has no unit column and its price headers name none. */
  unit: priceUnitConfig,
  /** Worksheet to read (XLSX). @default the first */
  sheet: z.string().optional(),
  batchSize: z.number().int().min(1).max(100_000).default(5_000),
});

export type SpreadsheetUploadConfig = z.infer<typeof config>;

/**
 * Spreadsheet upload for officials: a push connector; each upload (the
 * `importSpreadsheet` mutation, or `npm run connector -- run spreadsheet-upload
 * --file sheet.xlsx`) hands it one XLSX, CSV or JSON file with the columns
 * 品名, 品种, 产地, 规格, 单位, 最低价, 平均价, 最高价, 日期 (or 发布日期), 市场 — or any
 * header the wholesale-prices synonym table (or the config's `columns`) places.
 */
export default defineConnector<SpreadsheetUploadConfig>({
  name: 'spreadsheet-upload',
  kind: 'push',
  description: "Officials' price spreadsheets (XLSX, CSV, JSON), uploaded (GraphQL multipart), by path or from the CLI.",
  config: config as z.ZodType<SpreadsheetUploadConfig>,
  async *read(ctx) {
    if (!ctx.options.file) throw new Error("spreadsheet-upload needs a file (the mutation's path, or --file)");
    yield* readTableFile(ctx.options.file, { batchSize: ctx.config.batchSize, sheet: ctx.config.sheet });
  },
  map: mapPriceRow,
  mapperFor: priceMapperFor,
});
