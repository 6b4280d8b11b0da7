import type { ReadBatch, ReaderContext } from '../../src/ingest/connectors/connector.js';
import { fetchJson } from '../../src/ingest/http-source.js';
import type { EcommercePlatformConfig } from './config.js';

/** Saved between runs: per resource, the newest `updated_at` stored. */
export interface PlatformCursor {
  listings?: string;
  sales?: string;
}

interface Page {
  items?: unknown[];
  next_cursor?: string | null;
  page?: number;
  total_pages?: number;
}

/**
 * Pulls `GET <baseUrl>/<resource>?updated_since=<watermark>&limit=<n>` page by
 * page (cursor or page numbers). The platform returns items ordered by
 * `updated_at` ascending, so after each stored page the watermark moves to
 * the newest `updated_at` in it; `updated_since` is inclusive, and items seen
 * again (a page served twice, the boundary item) are duplicates the pipeline
 * skips by their natural key `<id>@<updated_at>`.
 */
export async function* readPlatform(ctx: ReaderContext<EcommercePlatformConfig>): AsyncGenerator<ReadBatch> {
  const { config, signal, log } = ctx;
  const cursor: PlatformCursor = { ...((ctx.cursor ?? {}) as PlatformCursor) };
  const headers: Record<string, string> = {};
  if (config.token) headers[config.authHeader] = config.authScheme ? `${config.authScheme} ${config.token}` : config.token;
  const http = {
    headers,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    backoffMs: config.backoffMs,
    maxWaitMs: config.maxWaitMs,
    signal,
    onRetry: (info: object) => log.warn({ platform: config.platform, ...info }, 'retrying platform request'),
  };
  for (const resource of config.resources) {
    const since = cursor[resource] ?? config.since;
    let next: string | undefined;
    for (let page = 1; page <= config.maxPages; page++) {
      const url = new URL(`${config.baseUrl.replace(/\/$/, '')}/${resource}`);
      url.searchParams.set('limit', String(config.pageSize));
      if (since) url.searchParams.set('updated_since', since);
      if (config.paging === 'page') url.searchParams.set('page', String(page));
      else if (next) url.searchParams.set('cursor', next);
      const body = await fetchJson<Page>(url.href, http);
      const items = Array.isArray(body.items) ? body.items : [];
      let watermark = cursor[resource];
      for (const item of items) {
        const updated = (item as { updated_at?: unknown }).updated_at;
        if (typeof updated === 'string' && (!watermark || Date.parse(updated) > Date.parse(watermark))) watermark = updated;
      }
      cursor[resource] = watermark;
      yield {
        records: items.map((item, i) => ({ raw: { resource, ...(item as object) }, position: `GET /${resource} page ${page} [${i}]` })),
        cursor: { ...cursor },
      };
      const done = config.paging === 'page' ? !items.length || page >= (body.total_pages ?? page) : !body.next_cursor || !items.length;
      if (done) break;
      next = body.next_cursor ?? undefined;
      if (page === config.maxPages) log.warn({ resource, maxPages: config.maxPages }, 'stopped at maxPages; the rest is read next run');
    }
  }
}
