import { ProductMatcher, type CatalogueProduct, type CatalogueVariety } from '../src/ingest/matching/product-matcher.js';
import { CATEGORIES, PRODUCTS } from './catalog.data.js';

/**
 * A matcher over the catalogue files themselves (ids numbered in file order),
 * for tools and tests that measure matching without a database: what every
 * fresh hub loads before any reviewer has added an alias.
 */
export function matcherFromCatalogueFiles(): ProductMatcher {
  const { products, varieties } = catalogueRowsFromFiles();
  return ProductMatcher.fromCatalogue(products, varieties);
}

/** The catalogue files as the matcher's rows (ids numbered in file order), for tools that build matchers of their own (the hold-out measurement). */
export function catalogueRowsFromFiles(): { products: CatalogueProduct[]; varieties: CatalogueVariety[] } {
  const products: CatalogueProduct[] = [];
  const varieties: CatalogueVariety[] = [];
  const parent = new Map(CATEGORIES.map((c) => [c.code, c.parent ?? c.code]));
  PRODUCTS.forEach((p, i) => {
    products.push({ id: i + 1, code: p.code, name: p.name, aliases: [...(p.aliases ?? [])], sector: parent.get(p.category) ?? null });
    for (const [name, ...aliases] of p.varieties ?? []) varieties.push({ id: varieties.length + 1, productId: i + 1, name, aliases });
  });
  return { products, varieties };
}
