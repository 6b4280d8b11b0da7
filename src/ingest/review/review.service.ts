import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, NotFoundError } from '../../platform/errors.js';
import { withPgTransaction } from '../bulk-insert.js';
import { lookupKey } from '../matching/normalise.js';
import { ReviewStatus } from './unmatched-name.entity.js';

/**
 * Review decisions (issue #14): accepting a queued product name or origin
 * string ties it to the catalogue for every source, and re-links the stored
 * facts that carried it, keeping what each fact was linked to before in
 * `match_relink` (the lineage of re-links).
 */

/** Fact tables whose rows carry a raw product name. */
const FACT_TABLES = ['price_observation', 'supply_listing', 'sales_record'] as const;

export interface AcceptResult {
  productId: number;
  varietyId: number | null;
  /** Facts re-linked, over all fact tables. */
  relinked: number;
}

/** Who decided (organisation or JWT subject), for the alias and the lineage. */
export type Actor = string | undefined;

interface Target {
  productId: number;
  productCode: string;
  varietyId: number | null;
}

/** Resolves a product (code or canonical name) and optionally a variety of it (name or alias); `field` names the input for errors. */
async function resolveTarget(
  client: pg.PoolClient,
  productRef: string,
  varietyName: string | undefined,
  field: { product: string; variety: string },
): Promise<Target> {
  const {
    rows: [product],
  } = await client.query<{ id: number; code: string }>('select id, code from product where code = $1 or name = $1', [productRef]);
  if (!product) throw new BadUserInputError(`Unknown product "${productRef}".`, field.product);
  let varietyId: number | null = null;
  if (varietyName) {
    const {
      rows: [variety],
    } = await client.query<{ id: number }>('select id from variety where product_id = $1 and (name = $2 or $2 = any(aliases))', [product.id, varietyName]);
    if (!variety) throw new BadUserInputError(`Product "${product.code}" has no variety "${varietyName}".`, field.variety);
    varietyId = variety.id;
  }
  return { productId: product.id, productCode: product.code, varietyId };
}

/**
 * The product a name already names in the catalogue files or the reviewed
 * aliases, if it is another one than `target` (a name never names two products).
 */
async function conflictingOwner(client: pg.PoolClient, name: string, target: Target): Promise<string | undefined> {
  const key = lookupKey(name);
  const { rows } = await client.query<{ code: string; id: number }>(
    `select p.code, p.id from product p
      where lower(p.code) = $1 or exists (select 1 from unnest(array[p.name] || p.aliases) n where lower(regexp_replace(n, '[\\s、,，.・·\\-_/()（）:：''"“”]+', '', 'g')) = $1)
     union
     select p.code, p.id from variety v join product p on p.id = v.product_id
      where exists (select 1 from unnest(array[v.name] || v.aliases) n where lower(regexp_replace(n, '[\\s、,，.・·\\-_/()（）:：''"“”]+', '', 'g')) = $1)
     union
     select p.code, p.id from catalog_alias a join product p on p.id = a.product_id where a.alias_key = $1`,
    [key],
  );
  return rows.find((r) => r.id !== target.productId)?.code;
}

/**
 * Adds `name` as a reviewed alias of the target and re-links every stored fact
 * carrying it whose product or variety differs, in the caller's transaction.
 * Returns the number of facts re-linked.
 */
async function addAliasAndRelink(
  client: pg.PoolClient,
  name: string,
  target: Target,
  source: 'REVIEW' | 'IMPORT',
  actor: Actor,
  note?: string,
): Promise<number> {
  await client.query(
    `insert into catalog_alias (alias, alias_key, product_id, variety_id, source, created_by, note)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (alias_key) do update set product_id = excluded.product_id, variety_id = excluded.variety_id, source = excluded.source,
       created_by = excluded.created_by, note = coalesce(excluded.note, catalog_alias.note), created_at = now()`,
    [name, lookupKey(name), target.productId, target.varietyId, source, actor ?? null, note ?? null],
  );
  let relinked = 0;
  for (const table of FACT_TABLES) {
    // One statement per table: the re-link and its lineage row are written together, or not at all.
    const result = await client.query(
      `with before as (
         select id, product_id, variety_id from "${table}"
          where raw_name = $1 and (product_id is distinct from $2 or variety_id is distinct from $3) for update),
       changed as (
         update "${table}" f set product_id = $2, variety_id = $3 from before b where f.id = b.id
         returning f.id, b.product_id as previous_product_id, b.variety_id as previous_variety_id)
       insert into match_relink (kind, raw, fact_table, fact_id, previous_product_id, previous_variety_id, product_id, variety_id, actor)
       select 'PRODUCT', $1, '${table}', id, previous_product_id, previous_variety_id, $2, $3, $4 from changed`,
      [name, target.productId, target.varietyId, actor ?? null],
    );
    relinked += result.rowCount ?? 0;
  }
  return relinked;
}

/**
 * Accepts a match for a name in the review queue: the name becomes a
 * reviewed alias of the product (and variety), for every source, and every
 * stored fact that carried it is re-linked (also one an earlier decision or
 * the matcher had linked elsewhere: that earlier product is kept in the
 * lineage). Refused when the name already names another product.
 */
export async function acceptMatch(em: EntityManager, rawName: string, productRef: string, varietyName?: string, actor?: Actor): Promise<AcceptResult> {
  return withPgTransaction(em, async (client) => {
    const target = await resolveTarget(client, productRef, varietyName, { product: 'product', variety: 'variety' });
    const owner = await conflictingOwner(client, rawName, target);
    if (owner) throw new BadUserInputError(`"${rawName}" already names product "${owner}"; a name names one product only.`, 'rawName', { product: owner });
    const relinked = await addAliasAndRelink(client, rawName, target, 'REVIEW', actor);
    await client.query(
      `insert into unmatched_name (raw_name, normalised, status, relinked, suggested_product_id, suggested_variety_id, suggestion_score)
       values ($1, $1, 'ACCEPTED', $2, $3, $4, 1)
       on conflict (raw_name) do update set status = 'ACCEPTED', relinked = unmatched_name.relinked + $2,
         suggested_product_id = $3, suggested_variety_id = $4, suggestion_score = 1, last_seen_at = now()`,
      [rawName, relinked, target.productId, target.varietyId],
    );
    return { productId: target.productId, varietyId: target.varietyId, relinked };
  });
}

/** Marks a queued name as not a catalogue product; its facts stay unlinked. */
export async function dismissUnmatched(em: EntityManager, rawName: string): Promise<void> {
  const result = await em
    .getConnection()
    .execute<{ affectedRows: number }>('update unmatched_name set status = ? where raw_name = ?', [ReviewStatus.DISMISSED, rawName], 'run');
  if (!result.affectedRows) throw new NotFoundError(`"${rawName}" is not in the review queue.`);
}

/**
 * Accepts a region for a queued origin string: it becomes an origin alias
 * the origin matcher reads first, and every stored price carrying that origin
 * text is re-linked to the region (lineage kept, kind ORIGIN).
 */
export async function acceptOrigin(em: EntityManager, rawText: string, regionCode: string, actor?: Actor): Promise<{ relinked: number }> {
  return withPgTransaction(em, async (client) => {
    const {
      rows: [region],
    } = await client.query('select code from region where code = $1', [regionCode]);
    if (!region) throw new BadUserInputError(`Unknown region code "${regionCode}".`, 'regionCode');
    await client.query(
      `insert into origin_alias (text, region_code, created_by) values ($1, $2, $3)
       on conflict (text) do update set region_code = excluded.region_code, created_by = excluded.created_by, created_at = now()`,
      [rawText, regionCode, actor ?? null],
    );
    const result = await client.query(
      `with before as (
         select id, origin_region_code from price_observation where origin_text = $1 and origin_region_code is distinct from $2 for update),
       changed as (
         update price_observation f set origin_region_code = $2 from before b where f.id = b.id returning f.id, b.origin_region_code as previous)
       insert into match_relink (kind, raw, fact_table, fact_id, previous_region_code, region_code, actor)
       select 'ORIGIN', $1, 'price_observation', id, previous, $2, $3 from changed`,
      [rawText, regionCode, actor ?? null],
    );
    const relinked = result.rowCount ?? 0;
    await client.query(
      `insert into unmatched_origin (raw_text, status, region_code, relinked) values ($1, 'ACCEPTED', $2, $3)
       on conflict (raw_text) do update set status = 'ACCEPTED', region_code = $2, relinked = unmatched_origin.relinked + $3, last_seen_at = now()`,
      [rawText, regionCode, relinked],
    );
    return { relinked };
  });
}

/** One origin string that resolved to no region, with the facts that carried it. */
export interface UnresolvedOrigin {
  text: string;
  count: number;
  examples: unknown[];
}

/**
 * Queues origin strings no region matched (issue #14), in the caller's
 * transaction: one row per string, counting the stored facts that carried it.
 * Called by the ingest pipeline next to the product-name queue.
 */
export async function queueUnmatchedOrigins(client: pg.PoolClient, connector: string, origins: readonly UnresolvedOrigin[]): Promise<void> {
  if (!origins.length) return;
  await client.query(
    `insert into unmatched_origin (raw_text, count, examples, connectors)
     select t, c, e, array[$4::text] from unnest($1::varchar[], $2::int[], $3::jsonb[]) as u(t, c, e)
     on conflict (raw_text) do update set
       count = unmatched_origin.count + excluded.count,
       last_seen_at = now(),
       connectors = case when $4::text = any(unmatched_origin.connectors) then unmatched_origin.connectors else unmatched_origin.connectors || excluded.connectors end,
       examples = case when jsonb_array_length(unmatched_origin.examples) >= 3 then unmatched_origin.examples
                  else (select coalesce(jsonb_agg(x), '[]'::jsonb) from (select x from jsonb_array_elements(unmatched_origin.examples || excluded.examples) x limit 3) s) end`,
    [origins.map((o) => o.text), origins.map((o) => o.count), origins.map((o) => JSON.stringify(o.examples.slice(0, 3))), connector],
  );
}

/** A row of an alias CSV import, as read. */
export interface AliasImportRow {
  alias: string;
  product: string;
  variety?: string;
  note?: string;
}

/** A refused row of an import: its line in the file, the field and why. */
export interface AliasImportProblem {
  line: number;
  field: string;
  message: string;
}

export interface AliasImportResult {
  /** Aliases written (new or changed). */
  imported: number;
  /** Rows that named a product the name already names (nothing to do). */
  unchanged: number;
  relinked: number;
}

/** The alias CSV header, in order. */
export const ALIAS_CSV_COLUMNS = ['alias', 'product', 'variety', 'source', 'created_by', 'created_at', 'note'] as const;

/**
 * Imports reviewed aliases (officials, issue #14): every row is checked first
 * (a name, a known product and variety, a name that does not name another
 * product, no name twice in the file); any problem refuses the whole file,
 * with each problem's line and field, and nothing is written. Otherwise all
 * rows are written and their facts re-linked in one transaction.
 */
export async function importAliases(em: EntityManager, rows: readonly (AliasImportRow & { line: number })[], actor?: Actor): Promise<AliasImportResult> {
  return withPgTransaction(em, async (client) => {
    const problems: AliasImportProblem[] = [];
    const targets: { row: AliasImportRow; target: Target }[] = [];
    const seen = new Map<string, number>();
    let unchanged = 0;
    for (const row of rows) {
      const alias = row.alias?.trim() ?? '';
      if (!alias) problems.push({ line: row.line, field: 'alias', message: 'is empty' });
      else if (alias.length > 200) problems.push({ line: row.line, field: 'alias', message: 'is longer than 200 characters' });
      else if (!lookupKey(alias)) problems.push({ line: row.line, field: 'alias', message: 'has no letters (only punctuation)' });
      const key = lookupKey(alias);
      if (key && seen.has(key)) problems.push({ line: row.line, field: 'alias', message: `"${alias}" is also on line ${seen.get(key)}` });
      if (key) seen.set(key, row.line);
      if (!row.product?.trim()) {
        problems.push({ line: row.line, field: 'product', message: 'is empty' });
        continue;
      }
      let target: Target;
      try {
        target = await resolveTarget(client, row.product.trim(), row.variety?.trim() || undefined, { product: 'product', variety: 'variety' });
      } catch (error) {
        const e = error as BadUserInputError;
        problems.push({ line: row.line, field: String(e.extensions.argumentName), message: e.message });
        continue;
      }
      if (!alias) continue;
      const owner = await conflictingOwner(client, alias, target);
      if (owner) {
        problems.push({ line: row.line, field: 'alias', message: `"${alias}" already names product "${owner}"` });
        continue;
      }
      targets.push({ row: { ...row, alias }, target });
    }
    if (problems.length) {
      throw new BadUserInputError(
        `The alias file has ${problems.length} problem(s); nothing was imported. First: line ${problems[0].line}, ${problems[0].field}: ${problems[0].message}.`,
        'csv',
        { problems },
      );
    }
    let imported = 0;
    let relinked = 0;
    for (const { row, target } of targets) {
      const {
        rows: [existing],
      } = await client.query<{ product_id: number; variety_id: number | null }>('select product_id, variety_id from catalog_alias where alias_key = $1', [
        lookupKey(row.alias),
      ]);
      const known = existing
        ? existing.product_id === target.productId && existing.variety_id === target.varietyId
        : await namesTargetInCatalogue(client, row.alias, target);
      if (known) {
        unchanged++;
        continue;
      }
      relinked += await addAliasAndRelink(client, row.alias, target, 'IMPORT', actor, row.note);
      imported++;
    }
    return { imported, unchanged, relinked };
  });
}

/** Whether the catalogue files already give `name` to exactly this product (and variety). */
async function namesTargetInCatalogue(client: pg.PoolClient, name: string, target: Target): Promise<boolean> {
  const { rows } = await client.query(
    target.varietyId
      ? `select 1 from variety where id = $2 and ($1 = name or $1 = any(aliases))`
      : `select 1 from product where id = $2 and ($1 = name or $1 = code or $1 = any(aliases))`,
    [name, target.varietyId ?? target.productId],
  );
  return rows.length > 0;
}

/** Every alias as CSV rows: the catalogue files' names (source CATALOGUE) and the reviewed and imported ones. */
export async function exportAliases(em: EntityManager): Promise<string[][]> {
  const rows = await em.getConnection().execute<Record<string, string | null>[]>(
    `select n.alias, p.code as product, null as variety, 'CATALOGUE' as source, null as created_by, null as created_at, null as note
       from product p cross join lateral unnest(p.aliases) n(alias)
     union all
     select n.alias, p.code, v.name, 'CATALOGUE', null, null, null
       from variety v join product p on p.id = v.product_id cross join lateral unnest(array[v.name] || v.aliases) n(alias)
     union all
     select a.alias, p.code, v.name, a.source::text, a.created_by, to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), a.note
       from catalog_alias a join product p on p.id = a.product_id left join variety v on v.id = a.variety_id
     order by 2, 1`,
  );
  return rows.map((r) => ALIAS_CSV_COLUMNS.map((c) => r[c] ?? ''));
}
