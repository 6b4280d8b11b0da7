import type { EntityManager } from '@mikro-orm/postgresql';
import { CategoryLevel, ProductCategory } from '../src/catalog/product-category.entity.js';
import { Product } from '../src/catalog/product.entity.js';
import { Variety } from '../src/catalog/variety.entity.js';
import { sqlList } from '../src/platform/sql.js';
import { CATEGORIES, PRODUCTS, catalogueHash } from './catalog.data.js';

/** Name of the catalogue in `seed_version`. */
export const CATALOGUE_SEED = 'catalogue';

export interface SeedCatalogResult {
  /** False when the database already had this version of the files. */
  changed: boolean;
  hash: string;
  /** Varieties no longer in the files and deleted (none of them carried facts). */
  varietiesRemoved: number;
}

/**
 * Loads the catalogue files (seeds/catalogue, read by catalog.data.ts) into
 * the database, versioned like a migration (issue #14): the files' hash is
 * kept in `seed_version`, so a start with unchanged files does nothing and a
 * changed file brings every class, product and variety in line with it
 * (upsert by code, and by product and name for varieties). A variety dropped
 * from the files is deleted unless stored facts refer to it; products are
 * never deleted (facts and aliases refer to them). Reviewers' aliases live in
 * `catalog_alias` and are not touched. `force` reloads whatever the version.
 */
export async function seedCatalog(em: EntityManager, options: { force?: boolean } = {}): Promise<SeedCatalogResult> {
  const hash = catalogueHash();
  return em.transactional(async (tx) => {
    // One loader at a time (several hub instances starting together): the second waits, then sees the version.
    const sql = <T extends object[]>(text: string, params: unknown[] = []) => tx.getConnection().execute<T>(text, params, 'all', tx.getTransactionContext());
    await sql(`select pg_advisory_xact_lock(hashtext('seed:${CATALOGUE_SEED}'))`);
    const [loaded] = await sql<{ hash: string }[]>('select hash from seed_version where name = ?', [CATALOGUE_SEED]);
    if (!options.force && loaded?.hash === hash) return { changed: false, hash, varietiesRemoved: 0 };

    const categories = await upsertCategories(tx);
    const products = await tx.upsertMany(
      Product,
      PRODUCTS.map((p) => ({
        code: p.code,
        name: p.name,
        nameEn: p.nameEn,
        category: categories.get(p.category)!,
        aliases: [...(p.aliases ?? [])],
        isFarmProduct: p.isFarmProduct ?? true,
        coldChainMinC: p.coldChain?.minC ?? null,
        coldChainMaxC: p.coldChain?.maxC ?? null,
      })),
      { onConflictFields: ['code'] },
    );
    const productByCode = new Map(products.map((p) => [p.code, p]));
    const varieties = PRODUCTS.flatMap((p) => (p.varieties ?? []).map(([name, ...aliases]) => ({ product: productByCode.get(p.code)!, name, aliases })));
    if (varieties.length) await tx.upsertMany(Variety, varieties, { onConflictFields: ['product', 'name'] });
    const ids = new Map((await sql<{ id: number; code: string }[]>('select id, code from product')).map((p) => [p.code, p.id]));
    const varietiesRemoved = await removeDroppedVarieties(
      tx,
      PRODUCTS.flatMap((p) => (p.varieties ?? []).map(([name]) => `${ids.get(p.code)}\u0000${name}`)),
    );
    await sql(
      `insert into seed_version (name, hash, loaded_at) values (?, ?, now()) on conflict (name) do update set hash = excluded.hash, loaded_at = now()`,
      [CATALOGUE_SEED, hash],
    );
    return { changed: true, hash, varietiesRemoved };
  });
}

/** Sectors first, so that classes can point at them. */
async function upsertCategories(em: EntityManager): Promise<Map<string, ProductCategory>> {
  const byCode = new Map<string, ProductCategory>();
  for (const level of [CATEGORIES.filter((c) => !c.parent), CATEGORIES.filter((c) => c.parent)]) {
    const rows = level.map((c) => ({
      code: c.code,
      name: c.name,
      nameEn: c.nameEn ?? null,
      level: c.level === 'SECTOR' ? CategoryLevel.SECTOR : CategoryLevel.CLASS,
      standard: c.standard ?? null,
      standardCode: c.standardCode ?? null,
      parent: c.parent ? byCode.get(c.parent)! : null,
    }));
    for (const category of await em.upsertMany(ProductCategory, rows, { onConflictFields: ['code'] })) byCode.set(category.code, category);
  }
  return byCode;
}

/** Deletes varieties of catalogue products that the files no longer list, unless a stored fact or alias refers to them. */
async function removeDroppedVarieties(em: EntityManager, kept: readonly string[]): Promise<number> {
  const sql = <T extends object[]>(text: string, params: unknown[] = []) => em.getConnection().execute<T>(text, params, 'all', em.getTransactionContext());
  const keep = new Set(kept);
  const productIds = [...new Set(kept.map((k) => Number(k.split('\u0000')[0])))];
  const existing = await sql<{ id: number; product_id: number; name: string }[]>('select id, product_id, name from variety where product_id in (?)', [
    sqlList(productIds),
  ]);
  const dropped = existing.filter((v) => !keep.has(`${v.product_id}\u0000${v.name}`)).map((v) => v.id);
  if (!dropped.length) return 0;
  const referenced = (table: string) => `exists (select 1 from ${table} f where f.variety_id = v.id)`;
  const gone = await sql<{ id: number }[]>(
    `delete from variety v where v.id in (?) and not (${['price_observation', 'supply_listing', 'sales_record', 'origin_label', 'catalog_alias'].map(referenced).join(' or ')}) returning v.id`,
    [sqlList(dropped)],
  );
  return gone.length;
}
