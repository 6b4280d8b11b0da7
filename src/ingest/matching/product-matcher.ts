import type { EntityManager } from '@mikro-orm/postgresql';
import { distance } from 'fastest-levenshtein';
import { lookupKey, normaliseName } from './normalise.js';

/** How a name was matched, best first. */
export enum MatchMethod {
  /** The name (or its core) is a catalogue name or alias. */
  EXACT = 'EXACT',
  /** The name is a known variety or prefix followed by a product name (`王林苹果`, `麒麟西瓜`). */
  COMPOUND = 'COMPOUND',
  /** A catalogue name is contained in it, or it is close by edit distance. */
  FUZZY = 'FUZZY',
}

/** A catalogue product and, when known, variety that a name stands for. */
export interface ProductTarget {
  productId: number;
  productCode: string;
  varietyId: number | null;
  varietyName: string | null;
}

export interface ProductMatch extends ProductTarget {
  /** 0..1; 1 for an exact name or alias. */
  score: number;
  method: MatchMethod;
}

/** The outcome for one name: a confident match, or the best guess for the review queue. */
export interface MatchOutcome {
  match?: ProductMatch;
  /** Best candidate when not confident enough (for reviewers). */
  suggestion?: ProductMatch;
}

/** Matches at or above this score are accepted without review. */
export const ACCEPT_SCORE = 0.8;
/** The best candidate must beat the best one for another product by this much. */
const MARGIN = 0.1;

interface Entry extends ProductTarget {
  /** Whether the key is a product-level name (code, name, product alias). */
  productLevel: boolean;
}

/**
 * Product names -> catalogue product and variety, through the catalogue's
 * names and aliases, name normalisation and a scored fuzzy match. Built once
 * per load from the catalogue; results are cached per distinct name (a price
 * list repeats a few hundred names over tens of thousands of rows).
 */
export class ProductMatcher {
  private readonly byKey = new Map<string, Entry | null>();
  private readonly productKeys: [string, Entry][] = [];
  private readonly cache = new Map<string, MatchOutcome>();

  private constructor(entries: Iterable<[string, Entry]>) {
    for (const [key, entry] of entries) {
      if (!key) continue;
      const existing = this.byKey.get(key);
      // A key naming two different targets is ambiguous: keep neither (unless one is the product of the other).
      if (existing === undefined) this.byKey.set(key, entry);
      else if (existing && (existing.productId !== entry.productId || existing.varietyId !== entry.varietyId)) {
        if (existing.productId === entry.productId) this.byKey.set(key, { ...entry, varietyId: null, varietyName: null, productLevel: true });
        else this.byKey.set(key, null);
      }
    }
    for (const [key, entry] of this.byKey) if (entry?.productLevel) this.productKeys.push([key, entry]);
    // Longest product names first, so that 西瓜 wins over 瓜 as a suffix.
    this.productKeys.sort((a, b) => b[0].length - a[0].length);
  }

  /** Loads the catalogue (products, varieties and their aliases) in two queries. */
  static async load(em: EntityManager): Promise<ProductMatcher> {
    const conn = em.getConnection();
    const products = await conn.execute<{ id: number; code: string; name: string; aliases: string[] }[]>(
      'select id, code, name, aliases from product');
    const varieties = await conn.execute<{ id: number; product_id: number; name: string; aliases: string[] }[]>(
      'select id, product_id, name, aliases from variety order by id');
    const codeById = new Map(products.map((p) => [p.id, p.code]));
    const entries: [string, Entry][] = [];
    for (const p of products) {
      const entry: Entry = { productId: p.id, productCode: p.code, varietyId: null, varietyName: null, productLevel: true };
      for (const key of [p.code, p.name, ...p.aliases]) entries.push([lookupKey(key), entry]);
    }
    for (const v of varieties) {
      const entry: Entry = { productId: v.product_id, productCode: codeById.get(v.product_id)!, varietyId: v.id, varietyName: v.name, productLevel: false };
      for (const key of [v.name, ...v.aliases]) {
        entries.push([lookupKey(key), entry]);
        const core = normaliseName(key).core;
        if (core !== key) entries.push([lookupKey(core), entry]);
      }
    }
    return new ProductMatcher(entries);
  }

  /**
   * Matches a source's name, trying a product hint (code or name) and a
   * variety hint first when the source gives them.
   */
  match(rawName: string, productHint?: string, varietyHint?: string): MatchOutcome {
    const cacheKey = `${rawName}\u0000${productHint ?? ''}\u0000${varietyHint ?? ''}`;
    let outcome = this.cache.get(cacheKey);
    if (!outcome) {
      outcome = this.resolve(rawName, productHint, varietyHint);
      this.cache.set(cacheKey, outcome);
    }
    return outcome;
  }

  private exact(key: string): Entry | undefined {
    return this.byKey.get(key) ?? undefined;
  }

  private resolve(rawName: string, productHint?: string, varietyHint?: string): MatchOutcome {
    const hinted = productHint ? this.exact(lookupKey(productHint)) : undefined;
    const withVariety = (product: Entry | undefined, name: string | undefined): ProductMatch | undefined => {
      if (!product || !name) return undefined;
      const variety = this.exact(lookupKey(name)) ?? this.exact(lookupKey(normaliseName(name).core));
      return variety && variety.productId === product.productId && variety.varietyId ? exactMatch(variety) : undefined;
    };
    if (hinted) return { match: withVariety(hinted, varietyHint) ?? withVariety(hinted, rawName) ?? exactMatch(hinted, true) };

    const { folded, core, alternatives } = normaliseName(rawName);
    for (const key of [lookupKey(rawName), lookupKey(folded), lookupKey(core), ...alternatives.map(lookupKey)]) {
      const hit = this.exact(key);
      if (hit) return { match: exactMatch(hit) };
    }
    if (varietyHint) {
      const hit = this.exact(lookupKey(varietyHint));
      if (hit) return { match: exactMatch(hit) };
    }
    const coreKey = lookupKey(core);
    const candidates: ProductMatch[] = [];
    // Compound: <variety or qualifier><product name>, e.g. 王林苹果, 红提葡萄, 麒麟西瓜.
    for (const [productKey, product] of this.productKeys) {
      if (coreKey.length > productKey.length && coreKey.endsWith(productKey)) {
        const prefix = coreKey.slice(0, -productKey.length);
        const variety = this.exact(prefix);
        if (variety && variety.productId === product.productId && variety.varietyId) {
          candidates.push({ ...variety, score: 0.95, method: MatchMethod.COMPOUND });
        } else {
          // A plain qualifier in front of the product name: the product is known, the variety is not.
          const score = productKey.length >= 2 ? 0.85 : prefix.length <= 2 ? 0.8 : 0.7;
          candidates.push({ ...targetOf(product), varietyId: null, varietyName: null, score, method: MatchMethod.COMPOUND });
        }
        break;
      }
    }
    // Fuzzy: containment of a catalogue name, or a small edit distance.
    for (const [key, entry] of this.byKey) {
      if (!entry || key.length < 2) continue;
      let score = 0;
      if (coreKey.includes(key)) score = 0.55 + 0.35 * (key.length / coreKey.length);
      else if (key.includes(coreKey) && coreKey.length >= 2) score = 0.5 + 0.3 * (coreKey.length / key.length);
      const similarity = 1 - distance(coreKey, key) / Math.max(coreKey.length, key.length);
      score = Math.max(score, similarity * 0.95);
      if (score >= 0.5) candidates.push({ ...targetOf(entry), score: round(score), method: MatchMethod.FUZZY });
    }
    candidates.sort((a, b) => b.score - a.score || Number(b.varietyId !== null) - Number(a.varietyId !== null));
    const best = candidates[0];
    if (!best) return {};
    const rival = candidates.find((c) => c.productId !== best.productId);
    const confident = best.score >= ACCEPT_SCORE && (!rival || best.score - rival.score >= MARGIN);
    return confident ? { match: best } : { suggestion: best };
  }
}

function targetOf(entry: Entry): ProductTarget {
  return { productId: entry.productId, productCode: entry.productCode, varietyId: entry.varietyId, varietyName: entry.varietyName };
}

function exactMatch(entry: Entry, productOnly = false): ProductMatch {
  const target = targetOf(entry);
  return { ...target, ...(productOnly ? { varietyId: null, varietyName: null } : {}), score: 1, method: MatchMethod.EXACT };
}

function round(score: number): number {
  return Math.round(score * 100) / 100;
}
