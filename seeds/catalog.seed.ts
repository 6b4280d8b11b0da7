import type { EntityManager } from '@mikro-orm/postgresql';
import { ProductCategory } from '../src/catalog/product-category.entity.js';
import { Product } from '../src/catalog/product.entity.js';
import { Variety } from '../src/catalog/variety.entity.js';
import { CATEGORIES, PRODUCTS } from './catalog.data.js';

/**
 * Upserts the catalogue (categories, products, varieties) from `catalog.data.ts`:
 * by `code` for categories and products, by (product, name) for varieties.
 * The data file is the one source of these rows, so a re-run brings existing
 * rows back in line with it and adds nothing when nothing changed.
 */
export async function seedCatalog(em: EntityManager): Promise<void> {
  await em.transactional(async (tx) => {
    const categories = await upsertCategories(tx);
    const products = await tx.upsertMany(
      Product,
      PRODUCTS.map((p) => ({
        code: p.code,
        name: p.name,
        nameEn: p.nameEn,
        category: requireKey(categories, p.category, `category of product ${p.code}`),
        aliases: [...(p.aliases ?? [])],
        isFarmProduct: p.isFarmProduct ?? true,
        coldChainMinC: p.coldChain?.minC ?? null,
        coldChainMaxC: p.coldChain?.maxC ?? null,
      })),
      { onConflictFields: ['code'] },
    );
    const productByCode = new Map(products.map((p) => [p.code, p]));
    const varieties = PRODUCTS.flatMap((p) =>
      (p.varieties ?? []).map(([name, ...aliases]) => ({ product: productByCode.get(p.code)!, name, aliases })),
    );
    if (varieties.length) await tx.upsertMany(Variety, varieties, { onConflictFields: ['product', 'name'] });
  });
}

/** Top-level categories first, so that children can point at their parents. */
async function upsertCategories(em: EntityManager): Promise<Map<string, ProductCategory>> {
  const byCode = new Map<string, ProductCategory>();
  const roots = CATEGORIES.filter((c) => !c.parent);
  const children = CATEGORIES.filter((c) => c.parent);
  for (const level of [roots, children]) {
    const rows = level.map((c) => ({
      code: c.code,
      name: c.name,
      parent: c.parent ? requireKey(byCode, c.parent, `parent of category ${c.code}`) : null,
    }));
    for (const category of await em.upsertMany(ProductCategory, rows, { onConflictFields: ['code'] })) {
      byCode.set(category.code, category);
    }
  }
  return byCode;
}

function requireKey<T>(map: Map<string, T>, key: string, what: string): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`catalog.data.ts: unknown ${what}: "${key}"`);
  return value;
}
