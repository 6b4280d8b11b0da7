import { z } from 'zod';

/** What an `ecommerce-platform` connector is configured with (validated once, when the connector is set up). */
export const ecommercePlatformConfig = z.object({
  /** The platform's API root, e.g. `https://open.example-platform.cn/api/v1`. */
  baseUrl: z.url(),
  /** Hub market code of the platform (`taobao`, `pinduoduo`, `jd`, `douyin`...). @default "taobao" */
  platform: z.string().default('taobao'),
  /** API token, sent as `<authHeader>: <authScheme> <token>`. */
  token: z.string().optional(),
  /** @default "authorization" */
  authHeader: z.string().default('authorization'),
  /** @default "Bearer" (empty: the bare token) */
  authScheme: z.string().default('Bearer'),
  /** `cursor` (`next_cursor` in each page) or `page` (`page` / `total_pages`). @default "cursor" */
  paging: z.enum(['cursor', 'page']).default('cursor'),
  /** Resources to pull. @default ["listings", "sales"] */
  resources: z.array(z.enum(['listings', 'sales'])).default(['listings', 'sales']),
  /** Items per page asked for. @default 100 */
  pageSize: z.number().int().min(1).max(1_000).default(100),
  /** Per request. @default 10000 */
  timeoutMs: z.number().int().min(50).default(10_000),
  /** Retries on 429, 5xx, timeouts and network errors. @default 4 */
  retries: z.number().int().min(0).max(10).default(4),
  /** First backoff, doubled per retry (Retry-After wins when the platform sends it). @default 500 */
  backoffMs: z.number().int().min(0).default(500),
  /** Longest wait between retries. @default 30000 */
  maxWaitMs: z.number().int().min(0).default(30_000),
  /** Most pages per resource in one run; the rest is read next run from the saved watermark. @default 1000 */
  maxPages: z.number().int().min(1).default(1_000),
  /** First run: only items updated since this time (ISO 8601). Unset: everything. */
  since: z.string().datetime({ offset: true }).optional(),
});

export type EcommercePlatformConfig = z.infer<typeof ecommercePlatformConfig>;
