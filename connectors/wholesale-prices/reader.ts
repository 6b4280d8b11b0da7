import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReadBatch, ReaderContext, RefusedSource } from '../../src/ingest/connectors/connector.js';
import { fetchJson, fetchWithRetry } from '../../src/ingest/http-source.js';
import { formatOf, headerOfRows, readTableFile, rowsOfJson, type TableFormat } from '../../src/ingest/tabular-file.js';
import { PriceColumnsError } from './columns.js';
import type { WholesalePricesConfig } from './config.js';
import { withFileDay } from './file-day.js';
import { priceMapperFor } from './mapper.js';

/** A file of a watched folder refused whole: what it is skipped under, and what operators are shown. */
interface RefusedFile {
  /** The file's version and the column settings it was refused under: it is read again once either changes. */
  key: string;
  path: string;
  reason: string;
  /** ISO 8601. */
  at: string;
}

/** Most characters of a refusal's reason kept in the cursor (it is saved with every batch). */
const REASON_MAX = 2_000;

/** Cursor of a folder source: each file loaded, with its size and modification time. */
interface FolderCursor {
  files?: Record<string, string>;
  /**
   * Files whose columns could not be placed, by name. (Cursors saved before session 7 hold the key alone, a string:
   * such a file is skipped as before and shown with the reason "refused before the reason was kept".)
   */
  refused?: Record<string, RefusedFile | string>;
  /** URL sources: the newest publication day seen; the next run asks from that day on. */
  watermark?: string;
}

/**
 * Reads a price list from a file, a folder (each new or changed file once,
 * in name order; the schedule is the watch interval) or an HTTP URL (a file
 * to download, or the Xinfadi web API's JSON pages from the saved watermark).
 */
export async function* readPrices(ctx: ReaderContext<WholesalePricesConfig>): AsyncGenerator<ReadBatch> {
  const { config, options } = ctx;
  const cursor = (ctx.cursor ?? {}) as FolderCursor;
  const target = options.file ?? config.file ?? config.folder;
  if (target) {
    const stat = await fs.promises.stat(target).catch(() => undefined);
    if (!stat) throw new Error(`no such file or folder: ${target}`);
    if (stat.isDirectory()) {
      yield* readFolder(target, cursor, config, ctx.log);
      return;
    }
    for await (const batch of readTableFile(target, { format: config.format, batchSize: config.batchSize })) yield dated(batch, target, config);
    return;
  }
  if (config.url) {
    yield* readUrl(ctx, cursor);
    return;
  }
  throw new Error('nothing to read: configure `file`, `folder` or `url`, or pass --file');
}

/** A batch of `file` with the file's day added when the list has no date column and `dayFromFileName` is on. */
const dated = (batch: ReadBatch, file: string, config: WholesalePricesConfig) => (config.dayFromFileName ? withFileDay(batch, file, config.columns) : batch);

/** How long a file in a watched folder must be unchanged before it is read. */
const SETTLE_MS = 1_000;

async function* readFolder(
  folder: string,
  cursor: FolderCursor,
  config: WholesalePricesConfig,
  log: ReaderContext<WholesalePricesConfig>['log'],
): AsyncGenerator<ReadBatch> {
  const seen = { ...(cursor.files ?? {}) };
  const refused = { ...(cursor.refused ?? {}) };
  // A refused file is tried again when it changes or when the settings that place columns change.
  const settings = JSON.stringify([config.columns ?? {}, config.unit ?? null, config.format ?? null, config.dayFromFileName]);
  const names = (await fs.promises.readdir(folder)).filter((n) => formatOf(n) && !n.startsWith('.')).sort();
  for (const name of names) {
    const file = path.join(folder, name);
    const stat = await fs.promises.stat(file);
    // A file still being written (changed in the last second) is left for the next run.
    if (Date.now() - stat.mtimeMs < SETTLE_MS) continue;
    const version = `${stat.size}:${Math.trunc(stat.mtimeMs)}`;
    const refusedAs = refused[name];
    if (seen[name] === version || (typeof refusedAs === 'string' ? refusedAs : refusedAs?.key) === `${version}|${settings}`) continue;
    let first = true;
    let skipped = false;
    for await (const read of readTableFile(file, { format: config.format, batchSize: config.batchSize })) {
      const batch = dated(read, file, config);
      if (first) {
        first = false;
        // Columns placed before anything of the file is stored: a list that cannot be placed is refused whole and
        // skipped, so that one unreadable file does not hold up the files after it (it is retried when it changes).
        const problem = columnsProblem(batch, config);
        if (problem) {
          log.warn({ file, problem }, 'price list refused: its columns cannot be placed; skipped until it or the columns setting changes');
          delete seen[name];
          refused[name] = { key: `${version}|${settings}`, path: file, reason: problem.slice(0, REASON_MAX), at: new Date().toISOString() };
          skipped = true;
          break;
        }
      }
      yield batch;
    }
    if (!skipped) {
      seen[name] = version;
      delete refused[name];
    }
    // The file is fully stored (or its refusal recorded) once this (empty) batch commits: only then is it marked.
    yield { records: [], cursor: { ...cursor, files: { ...seen }, refused: { ...refused } } };
  }
  // A refused file since removed from the folder is no longer shown to operators as refused.
  const gone = Object.keys(refused).filter((name) => !names.includes(name));
  if (gone.length) {
    for (const name of gone) delete refused[name];
    yield { records: [], cursor: { ...cursor, files: { ...seen }, refused: { ...refused } } };
  }
}

/** The files a folder source refused whole and skips, from its cursor: the manifest's `refusals` (GraphQL `refusedFiles`). */
export function refusedFiles(cursor: unknown): RefusedSource[] {
  const refused = (cursor as FolderCursor | null | undefined)?.refused;
  if (!refused || typeof refused !== 'object') return [];
  return Object.entries(refused)
    .map(([name, entry]) =>
      typeof entry === 'string'
        ? { path: name, reason: 'refused before the reason was kept: its columns cannot be placed' }
        : { path: entry.path, reason: entry.reason, refusedAt: entry.at },
    )
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Why a file's columns cannot be placed (its first batch's header, as the pipeline will place them), or undefined. */
function columnsProblem(batch: ReadBatch, config: WholesalePricesConfig): string | undefined {
  if (!batch.header || batch.records.length === 0) return undefined;
  try {
    priceMapperFor(batch.header, config, batch.records);
    return undefined;
  } catch (error) {
    if (error instanceof PriceColumnsError) return error.message;
    throw error;
  }
}

async function* readUrl(ctx: ReaderContext<WholesalePricesConfig>, cursor: FolderCursor): AsyncGenerator<ReadBatch> {
  const { config, signal, log } = ctx;
  const url = config.url!;
  const http = {
    headers: config.headers,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    signal,
    onRetry: (info: object) => log.warn({ url, ...info }, 'retrying price source'),
  };
  const format: TableFormat | undefined = config.format ?? formatOf(new URL(url).pathname);
  if (format === 'csv' || format === 'xlsx') {
    // Download, then read like a file.
    const response = await fetchWithRetry(url, http);
    const tmp = path.join(await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hub-prices-')), `download.${format}`);
    try {
      await fs.promises.writeFile(tmp, Buffer.from(await response.arrayBuffer()));
      for await (const batch of readTableFile(tmp, { format, batchSize: config.batchSize })) yield batch;
    } finally {
      await fs.promises.rm(path.dirname(tmp), { recursive: true, force: true });
    }
    return;
  }
  // JSON pages: {current, limit, count, list: [...]}.
  let watermark = cursor.watermark;
  for (let page = 1; page <= config.maxPages; page++) {
    const pageUrl = new URL(url);
    pageUrl.searchParams.set('current', String(page));
    pageUrl.searchParams.set('limit', String(config.pageSize));
    if (cursor.watermark) pageUrl.searchParams.set('pubDateStartTime', cursor.watermark);
    const body = await fetchJson<{ count?: number; limit?: number; list?: unknown[] }>(pageUrl.href, http);
    const rows = rowsOfJson(body);
    for (const row of rows) {
      const date = String((row as Record<string, unknown>).pubDate ?? (row as Record<string, unknown>).reportDate ?? '').slice(0, 10);
      if (/^\d{4}-\d{2}-\d{2}$/.test(date) && (!watermark || date > watermark)) watermark = date;
    }
    yield {
      records: rows.map((raw, i) => ({ raw, position: `${pageUrl.pathname} page ${page} [${i}]` })),
      cursor: { ...cursor, watermark },
      header: headerOfRows(rows),
      total: typeof body.count === 'number' ? body.count : undefined,
    };
    const limit = body.limit ?? config.pageSize;
    if (!rows.length || (typeof body.count === 'number' && page * limit >= body.count)) return;
  }
  log.warn({ url, maxPages: config.maxPages }, 'stopped at maxPages; the rest is read on the next run');
}
