import { z } from 'zod';
import { priceColumnsConfig, priceUnitConfig } from './columns.config.js';

/** What a `wholesale-prices` connector is configured with (validated once, when the connector is set up). */
export const wholesalePricesConfig = z
  .object({
    /** A price list file (.csv, .xlsx, .json). */
    file: z.string().optional(),
    /** A folder watched for new or changed price list files (checked every run). */
    folder: z.string().optional(),
    /** An HTTP(S) URL: a file to download, or the Xinfadi web API (JSON pages). */
    url: z.url().optional(),
    /** Force a format instead of guessing it from the extension. */
    format: z.enum(['csv', 'xlsx', 'json']).optional(),
    /** Market code the list belongs to. @default "beijing-xinfadi" */
    market: z.string().default('beijing-xinfadi'),
    /** Market names in the source -> hub market codes (ministry rows name their market). */
    marketCodes: z.record(z.string(), z.string()).default({}),
    /**
     * Role -> header, for a list whose headers are not recognised or could be two roles
     * (`{ "name": "菜名", "avg": "批发价(元/公斤)", "date": "日期" }`; roles: name, variety, low, avg, high, range, date, unit,
     * spec, origin, market, category). Other headers are still placed from the synonym table.
     */
    columns: priceColumnsConfig.optional(),
    /** The unit prices are per (`斤`, `公斤`) when a list has no unit column and its price headers name none. */
    unit: priceUnitConfig,
    /**
     * A list with no date column takes its day from its file name when the name says exactly one day
     * (`大青山2015-03-16.csv`, `20250218.xlsx`, `价格_2024年3月5日.csv`): file-day.ts. @default false
     */
    dayFromFileName: z.boolean().default(false),
    /** Rows per transaction. @default 5000 */
    batchSize: z.number().int().min(1).max(200_000).default(5_000),
    /** Extra request headers for `url` (e.g. an API key). */
    headers: z.record(z.string(), z.string()).default({}),
    timeoutMs: z.number().int().min(100).default(15_000),
    retries: z.number().int().min(0).max(10).default(4),
    /** Rows per page asked of a JSON API. @default 100 */
    pageSize: z.number().int().min(1).max(10_000).default(100),
    /** Most pages read in one run (the rest waits for the next run). @default 1000 */
    maxPages: z.number().int().min(1).default(1_000),
  })
  .refine((c) => [c.file, c.folder, c.url].filter(Boolean).length <= 1, { message: 'give at most one of file, folder and url' });

export type WholesalePricesConfig = z.infer<typeof wholesalePricesConfig>;
