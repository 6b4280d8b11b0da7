import type { EntityManager } from '@mikro-orm/postgresql';
import { distance } from 'fastest-levenshtein';
import { fold, lookupKey, normaliseName, stripSpecs, strippings } from './normalise.js';
import { regionNames } from './region-names.js';
import { AMBIGUOUS_NAMES, type AmbiguousName } from './ambiguous-names.js';
import {
  VARIETY_CODE,
  HEAD_NOUNS,
  COLOUR_WORDS,
  MODIFIER_WORDS,
  LOOK_WORDS,
  DESCRIPTOR_WORDS,
  COLOUR_NAMED_SECTORS,
  NO_COLOUR,
  ONE_CHARACTER_HEADS,
  PROVINCE_ABBREVIATIONS,
  CONFUSABLE_COMPOUNDS,
  GENERIC_HEADS,
  NO_MODIFIER,
  SPECIES,
  PROCESSED_STATE_WORDS,
  PROCESSED_WORD_EXEMPT_SECTORS,
  RIPENING_WORDS,
} from './name-lexicon.js';

/** Shortest product or variety name accepted at the end of a name after an unknown word. */
const MIN_NAME_AT_END = 3;

/** How many qualifiers may be taken off one name (breadth-first): enough for `国产精品箱装…`, bounded for speed. */
const MAX_STRIPS = 4;

/**
 * Entity resolution for product names, precision first (issue #14).
 *
 * A name is matched only on unambiguous evidence:
 *
 * 1. EXACT: it is a catalogue product name, alias, variety or variety alias
 *    (or a reviewer's alias), naming one product;
 * 2. QUALIFIED: it is one once grade, package, state, process, cultivation,
 *    origin or brand words are taken off (`胡萝卜（洗）`, `圆白菜(陆地)`,
 *    `白萝卜露地`, `精品羊蝎子`, `泰国香蕉`, `金龙鱼大豆油`);
 * 3. COMPOUND: a variety followed (or preceded) by the name of its own product
 *    (`王林苹果`, `红提葡萄`, `甜宝草莓`), or a numbered variety code before a
 *    product name (`19号草莓`, `24号桃`);
 *    A product or variety name of at least three characters at the end of
 *    the name counts too, whatever unknown word (a brand, a place) stands in
 *    front (`亮珠河稻花香米`, `绿宝大豆油`), unless that word is itself a product;
 *    a shorter one does not (`小白菜` is no 白菜, `番杏` no 杏);
 * 4. ALTERNATIVES: names joined by `/` or `、` that all name the same product
 *    (`血橙/二月红/中华红`, `凯特杏、白杏`);
 * 5. HINT: the source said which product it is (a product code or name field);
 * 6. REGION_PREFIX: a place of China (any province, prefecture or county,
 *    full or short: `章丘大葱`, `寿光黄瓜`, `山东大姜`) before an exact name of
 *    two or more characters;
 * 7. MODIFIER_PREFIX: a size or colour word from {@link MODIFIER_WORDS} before
 *    a product name (not a variety) of two or more characters, when the whole
 *    is no catalogue name (`大百合`, `小带鱼`, `红提子`, `长白菜`; but 小白菜,
 *    番杏 and 黄瓜 are names of their own and are never split). Colour words
 *    never apply to aquatic products, whose species names are built from
 *    colours (白鳝 is an eel, 黄鳝 another fish).
 *
 * Anything else, including a name that shares characters with a product
 * (`小白菜` with 大白菜, `番杏` with 杏) or a name that names varieties of two
 * products (`凯特`: a mango and an apricot), is not matched: it goes to the
 * review queue with ranked candidates and the evidence for each. Accepting
 * a candidate there adds the name as an alias for every source.
 */

/** How a name was matched. */
export enum MatchMethod {
  EXACT = 'EXACT',
  QUALIFIED = 'QUALIFIED',
  COMPOUND = 'COMPOUND',
  VARIETY_CODE = 'VARIETY_CODE',
  /** An unknown word (a brand, a place) before a whole product or variety name of three or more characters (`亮珠河稻花香米`, `绿宝大豆油`). */
  NAME_AT_END = 'NAME_AT_END',
  /** An unknown variety before a product name that is never part of another product's name ({@link HEAD_NOUNS}: `左合草莓`, `脆宝甜瓜`). */
  HEAD_NOUN = 'HEAD_NOUN',
  ALTERNATIVES = 'ALTERNATIVES',
  HINT = 'HINT',
  /** The name is unknown but its bracket names one variety of one product (`新农8号(冠龙)`). */
  BRACKET_VARIETY = 'BRACKET_VARIETY',
  /** 大/小 (a size) before a variety name (`大毛桃`); never before a product name, since 小白菜 is no 白菜. */
  SIZED_VARIETY = 'SIZED_VARIETY',
  /** A place of China (province, prefecture or county) before an exact name of two or more characters (`章丘大葱`). */
  REGION_PREFIX = 'REGION_PREFIX',
  /** A size or colour word before a product name of two or more characters that is no catalogue name as a whole (`大百合`, `红提子`). */
  MODIFIER_PREFIX = 'MODIFIER_PREFIX',
  /** The animal (猪, 牛, 羊, 鸡 …) before a cut that names a product of that animal (`猪前肘`: 前肘 of 猪肘). */
  SPECIES_PREFIX = 'SPECIES_PREFIX',
  /**
   * Head-final: descriptors from a closed lexicon ({@link DESCRIPTOR_WORDS}: size, colour, look, taste, places) before a
   * product or variety name (`香蜜瓜`, `绿皮丝瓜`, `秦杏`, `河北沧州小枣`); never when the compound names another product.
   */
  HEAD_FINAL = 'HEAD_FINAL',
  /** Only for review candidates: shares characters with, or is a few edits from, a catalogue name. Never matched automatically. */
  SIMILAR = 'SIMILAR',
  /** Only for review candidates: the name names this product and others. */
  AMBIGUOUS = 'AMBIGUOUS',
}

/** A catalogue product and, when known, variety that a name stands for. */
export interface ProductTarget {
  productId: number;
  productCode: string;
  varietyId: number | null;
  varietyName: string | null;
}

export interface ProductMatch extends ProductTarget {
  /** 1 for a match; below 1 for review candidates (a ranking, not a probability). */
  score: number;
  method: MatchMethod;
  /** Why: which rule, which catalogue name or alias (`alias "圆白菜" of 结球甘蓝`). */
  evidence: string;
}

/** The outcome for one name: a match, or the candidates for the review queue (best first). */
export interface MatchOutcome {
  match?: ProductMatch;
  /** Best review candidate (never linked automatically). */
  suggestion?: ProductMatch;
  /** Review candidates, best first, at most {@link MAX_CANDIDATES}. */
  candidates?: ProductMatch[];
}

/** Review candidates kept per name. */
export const MAX_CANDIDATES = 5;

interface Entry extends ProductTarget {
  /** The catalogue text behind the key. */
  name: string;
  /** A product name or alias (true), or a variety name or alias (false). */
  productLevel: boolean;
  productName: string;
  /** Where the name comes from: the catalogue files, or a reviewer's/official's alias. */
  source: 'catalogue' | 'reviewed';
  /** The product's sector (`aquatic`, `vegetable` …), when the catalogue gives it. */
  sector?: string | null;
  /** For a name whose product depends on the region ({@link AMBIGUOUS_NAMES}): where it means which. */
  why?: string;
}

/** What one lookup key resolves to. */
interface Resolution {
  target?: ProductTarget & { name: string; productName: string; productLevel: boolean; source: Entry['source'] };
  /** Set when the key names several products. */
  ambiguous?: Entry[];
}

/**
 * Product names -> catalogue product and variety. Built once per load from
 * the catalogue and the reviewed aliases; results are cached per distinct
 * name (a price list repeats a few hundred names over tens of thousands of
 * rows).
 */
export class ProductMatcher {
  private readonly entries = new Map<string, Entry[]>();
  /** Product-level keys, longest first, for compounds. */
  private readonly productKeys: [string, Entry][] = [];
  private readonly cache = new Map<string, MatchOutcome>();
  /** Names per product, filled on demand ({@link ProductMatcher.namesOf}). */
  private readonly productNames = new Map<number, string[]>();
  /** Keys of {@link AMBIGUOUS_NAMES} (and no reviewed alias): always the review queue. */
  private readonly regional = new Set<string>();

  /** @internal use {@link ProductMatcher.load}, or {@link ProductMatcher.fromCatalogue} in tools and tests. */
  constructor(entries: Iterable<[string, Entry]>, ambiguousNames: Readonly<Record<string, AmbiguousName>> = AMBIGUOUS_NAMES) {
    const byCode = new Map<string, Entry>();
    for (const [key, entry] of entries) {
      if (!key) continue;
      const list = this.entries.get(key) ?? [];
      if (!list.some((e) => e.productId === entry.productId && e.varietyId === entry.varietyId)) list.push(entry);
      this.entries.set(key, list);
      if (entry.productLevel && entry.source === 'catalogue' && (!byCode.has(entry.productCode) || entry.name === entry.productName))
        byCode.set(entry.productCode, entry);
    }
    // A regional name names each product it may mean; a reviewer's alias for it (which knows the source) wins.
    for (const [name, { products, why }] of Object.entries(ambiguousNames)) {
      const key = lookupKey(name);
      const reviewed = this.entries.get(key)?.filter((e) => e.source === 'reviewed');
      if (reviewed?.length) {
        this.entries.set(key, reviewed);
        continue;
      }
      const list = products.flatMap((code) => {
        const product = byCode.get(code);
        return product ? [{ ...product, name, why }] : [];
      });
      if (list.length) this.entries.set(key, list);
      else this.entries.delete(key);
      this.regional.add(key);
    }
    const seen = new Set<string>();
    for (const [key, list] of this.entries) {
      for (const entry of list) {
        if (entry.productLevel && !seen.has(`${key}\u0000${entry.productId}`)) {
          seen.add(`${key}\u0000${entry.productId}`);
          this.productKeys.push([key, entry]);
        }
      }
    }
    this.productKeys.sort((a, b) => b[0].length - a[0].length);
  }

  /** Loads the catalogue (products, varieties and their aliases) and the reviewed aliases, in three queries. */
  static async load(em: EntityManager): Promise<ProductMatcher> {
    const conn = em.getConnection();
    const products = await conn.execute<CatalogueProduct[]>(
      'select p.id, p.code, p.name, p.aliases, coalesce(s.code, c.code) as sector from product p join product_category c on c.id = p.category_id left join product_category s on s.id = c.parent_id',
    );
    const varieties = await conn.execute<CatalogueVariety[]>('select id, product_id as "productId", name, aliases from variety order by id');
    const reviewed = await conn.execute<ReviewedAlias[]>('select alias, product_id as "productId", variety_id as "varietyId" from catalog_alias');
    return ProductMatcher.fromCatalogue(products, varieties, reviewed);
  }

  /** Builds a matcher from catalogue rows (as stored, or read from the seed files by tools and tests). */
  static fromCatalogue(
    products: readonly CatalogueProduct[],
    varieties: readonly CatalogueVariety[],
    reviewed: readonly ReviewedAlias[] = [],
    ambiguousNames: Readonly<Record<string, AmbiguousName>> = AMBIGUOUS_NAMES,
  ): ProductMatcher {
    const byId = new Map(products.map((p) => [p.id, p]));
    const varietyById = new Map(varieties.map((v) => [v.id, v]));
    const entries: [string, Entry][] = [];
    for (const p of products) {
      const base = {
        productId: p.id,
        productCode: p.code,
        productName: p.name,
        varietyId: null,
        varietyName: null,
        productLevel: true,
        source: 'catalogue' as const,
        sector: p.sector ?? null,
      };
      for (const name of [p.code, p.name, ...p.aliases]) entries.push([lookupKey(name), { ...base, name }]);
    }
    for (const v of varieties) {
      const p = byId.get(v.productId);
      if (!p) continue;
      const base = {
        productId: p.id,
        productCode: p.code,
        productName: p.name,
        varietyId: v.id,
        varietyName: v.name,
        productLevel: false,
        source: 'catalogue' as const,
        sector: p.sector ?? null,
      };
      for (const name of [v.name, ...v.aliases]) entries.push([lookupKey(name), { ...base, name }]);
    }
    for (const r of reviewed) {
      const p = byId.get(r.productId);
      if (!p) continue;
      const v = r.varietyId == null ? undefined : varietyById.get(r.varietyId);
      entries.push([
        lookupKey(r.alias),
        {
          productId: p.id,
          productCode: p.code,
          productName: p.name,
          varietyId: v?.id ?? null,
          varietyName: v?.name ?? null,
          productLevel: !v,
          source: 'reviewed',
          name: r.alias,
          sector: p.sector ?? null,
        },
      ]);
    }
    return new ProductMatcher(entries, ambiguousNames);
  }

  /** Lookup keys that name more than one product (each then goes to review when met alone). */
  ambiguousKeys(): string[] {
    return [...this.entries].filter(([, list]) => new Set(list.map((e) => e.productId)).size > 1).map(([key]) => key);
  }

  /**
   * Matches a source's name. A product hint (code or name) and a variety
   * hint, when the source gives them, are used first.
   */
  match(rawName: string, productHint?: string, varietyHint?: string, category?: string): MatchOutcome {
    const cacheKey = `${rawName}\u0000${productHint ?? ''}\u0000${varietyHint ?? ''}`;
    let outcome = this.cache.get(cacheKey);
    if (!outcome) {
      outcome = this.resolve(rawName, productHint, varietyHint);
      if (this.cache.size > 200_000) this.cache.clear();
      this.cache.set(cacheKey, outcome);
    }
    return category ? this.withinCategory(outcome, category) : outcome;
  }

  /**
   * The list's own category column (`水果`, `蔬菜`, `水产`, `干鲜` …: Xinfadi's 一级分类, a board's section) vetoes a
   * match into another sector (issue #14, round 4): `红辣椒` in a 干鲜 (dried goods) section is no fresh chili, `番杏`
   * could never be an apricot in a 蔬菜 section. The vetoed product stays the first review candidate, with the
   * reason. A category the hub does not know ({@link categorySectors}) vetoes nothing; a source's product hint is
   * never vetoed.
   */
  private withinCategory(outcome: MatchOutcome, category: string): MatchOutcome {
    const match = outcome.match;
    const allowed = categorySectors(category);
    if (!match || !allowed || match.method === MatchMethod.HINT) return outcome;
    const sector = this.entries.get(lookupKey(match.productCode))?.find((e) => e.productLevel)?.sector;
    if (!sector || allowed.has(sector)) return outcome;
    const vetoed: ProductMatch = {
      ...match,
      score: 0.6,
      evidence: `${match.evidence}; but the list files it under "${category}", which holds no ${sector} products`,
    };
    const candidates = [vetoed, ...(outcome.candidates ?? []).filter((c) => c.productId !== match.productId)].slice(0, MAX_CANDIDATES);
    return { suggestion: vetoed, candidates };
  }

  /** What a key names: one product (and maybe a variety), several, or nothing. */
  private lookup(key: string): Resolution {
    const list = this.entries.get(key);
    if (!list?.length) return {};
    const products = new Set(list.map((e) => e.productId));
    if (products.size > 1 || this.regional.has(key)) return { ambiguous: list };
    const productLevel = list.find((e) => e.productLevel);
    const varieties = new Set(list.map((e) => e.varietyId));
    // A name of the product itself, or a name shared by two varieties of it: the product, no variety.
    const chosen = productLevel ?? list[0];
    const noVariety = Boolean(productLevel) || varieties.size > 1;
    return {
      target: {
        productId: chosen.productId,
        productCode: chosen.productCode,
        productName: chosen.productName,
        name: chosen.name,
        varietyId: noVariety ? null : chosen.varietyId,
        varietyName: noVariety ? null : chosen.varietyName,
        productLevel: noVariety,
        source: chosen.source,
      },
    };
  }

  /**
   * The processed-state word ({@link PROCESSED_STATE_WORDS}) in `folded` that the matched product's names (and its
   * variety's) do not carry, if any: then the name is a processed form of the product, not the product.
   */
  private processedWordOf(folded: string, found: ProductMatch): string | undefined {
    const text = folded.replace(RIPENING_WORDS, '');
    const words = PROCESSED_STATE_WORDS.filter((w) => text.includes(w));
    if (!words.length) return undefined;
    const own = this.namesOf(found.productId);
    const sector = this.entries.get(lookupKey(found.productCode))?.find((e) => e.productId === found.productId)?.sector ?? undefined;
    return words.find(
      (w) => !own.some((n) => n.includes(w)) && !(found.varietyName ?? '').includes(w) && !(sector && PROCESSED_WORD_EXEMPT_SECTORS[w]?.has(sector)),
    );
  }

  /** The catalogue name of a match's product (its code when the catalogue has no entry for it). */
  private productNameOf(match: ProductMatch): string {
    return this.entries.get(lookupKey(match.productCode))?.find((e) => e.productId === match.productId)?.productName ?? match.productCode;
  }

  /** Every catalogue and reviewed name (and alias) of a product, its varieties' included. */
  private namesOf(productId: number): string[] {
    let names = this.productNames.get(productId);
    if (!names) {
      names = [];
      for (const list of this.entries.values()) for (const e of list) if (e.productId === productId) names.push(e.name);
      this.productNames.set(productId, names);
    }
    return names;
  }

  /** The variety of `productId` that `text` names, if any. */
  private varietyOf(productId: number, text: string | undefined): Entry | undefined {
    if (!text) return undefined;
    for (const key of [lookupKey(text), lookupKey(stripSpecs(fold(text)).name)]) {
      const hit = this.entries.get(key)?.find((e) => e.productId === productId && !e.productLevel);
      if (hit) return hit;
    }
    return undefined;
  }

  private resolve(rawName: string, productHint?: string, varietyHint?: string): MatchOutcome {
    const folded = fold(rawName);
    const { name, brackets } = stripSpecs(folded);
    const varietyFrom = (productId: number) =>
      this.varietyOf(productId, varietyHint) ??
      brackets
        .flatMap((b) => b.split(/[、,，/]/))
        .map((b) => this.varietyOf(productId, b))
        .find(Boolean);

    if (productHint) {
      const hinted = this.lookup(lookupKey(productHint)).target;
      if (hinted) {
        const variety = varietyFrom(hinted.productId) ?? this.varietyOf(hinted.productId, rawName) ?? this.varietyOf(hinted.productId, name);
        return { match: matchOf(hinted, variety, MatchMethod.HINT, `the source names the product: "${productHint}"`) };
      }
    }

    const ambiguous: Entry[] = [];
    const found = this.find(folded, name, ambiguous);
    const processed = found && this.processedWordOf(folded, found);
    if (found && processed) {
      // `熟鸡蛋`, `腌萝卜`, `鸭蛋（熟）`: a processed product, not the fresh one its name ends with. Review, with the reason.
      const vetoed: ProductMatch = {
        ...found,
        score: 0.6,
        evidence: `${found.evidence}; but "${processed}" makes it a processed (cooked, salted, braised, pickled, smoked or cured) product, which ${this.productNameOf(found)} is not`,
      };
      const candidates = [vetoed, ...this.candidates(name || folded, ambiguous).filter((c) => c.productId !== found.productId)].slice(0, MAX_CANDIDATES);
      return { suggestion: vetoed, candidates };
    }
    if (found) {
      // `猪肉(白条猪)`: a bracket naming another product of the same sector is the more specific one (the pork price quoted on carcasses).
      const specific = found.varietyId == null ? this.specificProductInBrackets(found, brackets) : undefined;
      if (specific) return { match: specific };
      // A bracket or the variety hint may name the variety (`猕猴桃（海沃德）`).
      const variety = found.varietyId == null ? varietyFrom(found.productId) : undefined;
      return {
        match: variety
          ? { ...found, varietyId: variety.varietyId, varietyName: variety.varietyName, evidence: `${found.evidence}; variety "${variety.name}"` }
          : found,
      };
    }
    // `新农8号(冠龙)`, `丑橘(不知火)晚禄`: an unknown name whose bracket names one variety of one product.
    // Every part of the bracket must name a variety (`黑枣(有籽/无籽)` says nothing of a product).
    const bracketParts = brackets.flatMap((b) => b.split(/[、,，/]/)).filter(Boolean);
    const bracketVarieties = bracketParts.map((b) => this.lookup(lookupKey(b)).target);
    if (bracketParts.length && bracketVarieties.every((t) => t && !t.productLevel) && new Set(bracketVarieties.map((t) => t!.productId)).size === 1) {
      const v = bracketVarieties[0]!;
      return { match: matchOf(v, v, MatchMethod.BRACKET_VARIETY, `the bracket names variety "${v.name}" of ${v.productName}`) };
    }
    if (varietyHint) {
      const hinted = this.lookup(lookupKey(varietyHint)).target;
      if (hinted && !hinted.productLevel)
        return { match: matchOf(hinted, undefined, MatchMethod.HINT, `the source names the variety: "${varietyHint}" of ${hinted.productName}`) };
    }
    const candidates = this.candidates(name || folded, ambiguous);
    return { suggestion: candidates[0], candidates };
  }

  /**
   * The first exact hit over the name's variants: as written, without specs,
   * then with ever more qualifiers taken off (breadth-first), each tried as a
   * whole, as a compound and as a list of alternatives.
   */
  private find(folded: string, name: string, ambiguous: Entry[]): ProductMatch | undefined {
    const start = name.replace(/\s+/g, '');
    const exactOf = (text: string, method: MatchMethod, how: string): ProductMatch | undefined => {
      const resolution = this.lookup(lookupKey(text));
      if (resolution.ambiguous) ambiguous.push(...resolution.ambiguous);
      return resolution.target ? matchOf(resolution.target, undefined, method, `${how}${describe(resolution.target)}`) : undefined;
    };
    const direct = exactOf(folded, MatchMethod.EXACT, '') ?? (start && start !== folded ? exactOf(start, MatchMethod.EXACT, 'without the spec: ') : undefined);
    if (direct) return direct;
    if (!start) return undefined;

    // Every variant, breadth-first by the number of qualifiers taken off.
    const variants: { text: string; how: string; stripped: boolean }[] = [];
    let level: { text: string; taken: string[] }[] = [{ text: start, taken: [] }];
    const visited = new Set([start]);
    for (let depth = 0; depth <= MAX_STRIPS && level.length; depth++) {
      const next: typeof level = [];
      for (const { text, taken } of level) {
        variants.push({ text, how: taken.length ? `without "${taken.join('", "')}": ` : '', stripped: taken.length > 0 });
        for (const s of strippings(text)) {
          if (visited.has(s.rest)) continue;
          visited.add(s.rest);
          next.push({ text: s.rest, taken: [...taken, s.taken] });
        }
      }
      level = next;
    }
    // Strongest evidence first: an exact name, then a variety with its product, then alternatives, then a long name at the end.
    for (const v of variants) {
      const hit = v.stripped ? exactOf(v.text, MatchMethod.QUALIFIED, v.how) : undefined;
      if (hit) return hit;
    }
    for (const v of variants) {
      const hit = this.compound(v.text, v.how) ?? this.varietyWithMelon(lookupKey(v.text), v.how);
      if (hit) return hit;
    }
    for (const v of variants) {
      const hit = this.varietyPair(lookupKey(v.text), v.how) ?? this.sizedVariety(lookupKey(v.text), v.how) ?? this.headNoun(lookupKey(v.text), v.how);
      if (hit) return hit;
    }
    for (const v of variants) {
      const hit = this.regionPrefix(lookupKey(v.text), v.how) ?? this.modifierPrefix(lookupKey(v.text), v.how) ?? this.speciesPrefix(lookupKey(v.text), v.how);
      if (hit) return hit;
    }
    for (const v of variants) {
      const hit = this.headFinal(lookupKey(v.text), v.how);
      if (hit) return hit;
    }
    for (const v of variants) {
      const hit = this.alternatives(v.text, v.how, ambiguous);
      if (hit) return hit;
    }
    for (const v of variants) {
      const hit = this.nameAtEnd(lookupKey(v.text), v.how, ambiguous);
      if (hit) return hit;
    }
    return undefined;
  }

  /** `<variety><its product>` (王林苹果), `<product><its variety>` (苹果王林), `<number code><product>` (19号草莓). */
  private compound(text: string, how: string): ProductMatch | undefined {
    const key = lookupKey(text);
    for (const [productKey, product] of this.productKeys) {
      if (key.length <= productKey.length) continue;
      if (this.lookup(productKey).ambiguous) continue;
      let rest: string | undefined;
      if (key.endsWith(productKey)) rest = key.slice(0, -productKey.length);
      else if (key.startsWith(productKey)) rest = key.slice(productKey.length);
      if (!rest) continue;
      const variety = this.entries.get(rest)?.find((e) => e.productId === product.productId && !e.productLevel);
      if (variety) {
        return matchOf(
          variety,
          variety,
          MatchMethod.COMPOUND,
          `${how}variety "${variety.name}" of ${product.productName} with the product name "${product.name}"`,
        );
      }
      // `春雪大桃`: the variety, a descriptor (size, colour, taste), then its product's name.
      for (const word of key.endsWith(productKey) ? DESCRIPTOR_WORDS : []) {
        if (!rest.endsWith(word) || rest.length <= word.length) continue;
        const described = this.entries.get(rest.slice(0, -word.length))?.find((e) => e.productId === product.productId && !e.productLevel);
        if (described)
          return matchOf(
            described,
            described,
            MatchMethod.COMPOUND,
            `${how}variety "${described.name}" of ${product.productName}, the descriptor "${word}" and the product name "${product.name}"`,
          );
      }
      // `羊角蜜瓜`: the variety 羊角蜜 and the product name 蜜瓜 sharing their middle character.
      for (let k = 1; !variety && key.endsWith(productKey) && k < productKey.length; k++) {
        const overlap = this.entries.get(rest + productKey.slice(0, k))?.find((e) => e.productId === product.productId && !e.productLevel);
        if (overlap)
          return matchOf(
            overlap,
            overlap,
            MatchMethod.COMPOUND,
            `${how}variety "${overlap.name}" of ${product.productName} run into the product name "${product.name}"`,
          );
      }
      if (key.endsWith(productKey) && VARIETY_CODE.test(rest)) {
        return matchOf(
          { ...product, varietyId: null, varietyName: null },
          undefined,
          MatchMethod.VARIETY_CODE,
          `${how}variety code "${rest}" before the product name "${product.name}" (${product.productName})`,
        );
      }
      // `<variety><variety>` of one product (脐橙伦晚): the second, more specific one.
      if (key.startsWith(productKey) === false && key.endsWith(productKey) === false) continue;
      // `<another product's variety><product>` or an unknown prefix: not evidence (小白菜 is no 大白菜). Keep looking for a longer or other product name.
    }
    return undefined;
  }

  /** `京欣瓜`, `美都瓜`, `冠龙瓜`: a variety of one product whose name ends with 瓜 (西瓜, 甜瓜, 哈密瓜), then 瓜: that product and variety. */
  private varietyWithMelon(key: string, how: string): ProductMatch | undefined {
    if (key.length < 3 || !key.endsWith('瓜') || this.entries.has(key)) return undefined;
    const list = this.entries.get(key.slice(0, -1));
    if (!list?.length || list.some((e) => e.productLevel) || new Set(list.map((e) => e.productId)).size !== 1) return undefined;
    const v = list[0];
    if (!v.productName.endsWith('瓜')) return undefined;
    return matchOf(v, v, MatchMethod.COMPOUND, `${how}variety "${v.name}" of ${v.productName} with "瓜"`);
  }

  /** A whole product or variety name of three or more characters at the end, after a word that names nothing (a brand, a place). */
  private nameAtEnd(key: string, how: string, ambiguous: Entry[]): ProductMatch | undefined {
    for (let cut = 1; key.length - cut >= MIN_NAME_AT_END; cut++) {
      const prefix = key.slice(0, cut);
      const suffix = key.slice(cut);
      const resolution = this.lookup(suffix);
      if (resolution.ambiguous) {
        ambiguous.push(...resolution.ambiguous);
        continue;
      }
      if (!resolution.target) continue;
      // `<product A><product B>` is no evidence for B (草莓番茄 may be a tomato, 苹果梨 is a pear): nothing known may stand in front.
      // (A descriptor before a variety in front, `绿马奶` + 葡萄干, is a variety of what the product is made of, not a product.)
      const front = this.entries.has(prefix) ? undefined : this.find(prefix, prefix, []);
      if (this.entries.has(prefix) || (front && front.method !== MatchMethod.HEAD_FINAL)) return undefined;
      // `羊腱子肉`: 腱子肉 is a beef cut's name; another animal in front says it is that animal's.
      if (this.otherAnimal(prefix, resolution.target.productName) || this.spansOtherProduct(key, cut, resolution.target.productId)) return undefined;
      return matchOf(
        resolution.target,
        undefined,
        MatchMethod.NAME_AT_END,
        `${how}ends with ${describe(resolution.target)}; "${prefix}" in front names no product`,
      );
    }
    return undefined;
  }

  /** Two names of varieties (or the product) of one product, run together (`脐橙伦晚`): that product and the last variety; two names of the product itself (`甘蓝包菜`): the product. */
  private varietyPair(key: string, how: string): ProductMatch | undefined {
    for (let cut = 2; key.length - cut >= 2; cut++) {
      const first = this.entries.get(key.slice(0, cut));
      const second = this.entries.get(key.slice(cut));
      if (!first || !second) continue;
      // `甘蓝包菜`: two names of one product run together (a list that writes the standard name and the trade name).
      const one = (list: Entry[]) => new Set(list.map((e) => e.productId)).size === 1 && !this.regional.has(key.slice(0, cut));
      if (cut >= 2 && key.length - cut >= 2 && one(first) && one(second) && first[0].productId === second[0].productId) {
        const both = first.every((e) => e.productLevel) && second.every((e) => e.productLevel);
        if (both && !this.regional.has(key.slice(cut)))
          return matchOf(
            { ...second[0], varietyId: null, varietyName: null },
            undefined,
            MatchMethod.COMPOUND,
            `${how}"${first[0].name}" and "${second[0].name}", two names of ${second[0].productName}`,
          );
      }
      for (const b of second) {
        if (b.productLevel) continue;
        const a = first.find((e) => e.productId === b.productId);
        if (a && new Set(second.map((e) => e.productId)).size === 1 && new Set(first.map((e) => e.productId)).size === 1) {
          return matchOf(b, b, MatchMethod.COMPOUND, `${how}"${a.name}" and variety "${b.name}", both of ${b.productName}`);
        }
      }
    }
    return undefined;
  }

  /** A bracket that is exactly the name of another product of the found product's sector (`猪肉(白条猪)` -> 白条猪). */
  private specificProductInBrackets(found: ProductMatch, brackets: string[]): ProductMatch | undefined {
    const sector = this.entries.get(lookupKey(found.productCode))?.[0]?.sector;
    if (!sector) return undefined;
    const ownNames = this.productKeys.filter(([, e]) => e.productId === found.productId).map(([k]) => k);
    for (const part of brackets.flatMap((b) => b.split(/[、,，/]/)).filter(Boolean)) {
      const key = lookupKey(part);
      const t = this.lookup(key).target;
      if (!t?.productLevel || t.productId === found.productId) continue;
      // `罗非鱼（鲫鱼）`: a bracket that restates part of the product's own names (非洲鲫鱼) is a nickname, not a more specific product.
      if (ownNames.some((own) => own.includes(key))) continue;
      if (!this.entries.get(key)?.every((e) => e.sector === sector)) continue;
      return matchOf(t, undefined, MatchMethod.EXACT, `${found.evidence}; the bracket names the more specific ${describe(t)}`);
    }
    return undefined;
  }

  /** `章丘大葱`, `寿光黄瓜`: a place of China before an exact name (two or more characters) of one product. */
  private regionPrefix(key: string, how: string): ProductMatch | undefined {
    const places = regionNames();
    for (let cut = Math.min(key.length - 1, 12); cut >= 2; cut--) {
      const place = key.slice(0, cut);
      if (!places.has(place) || this.entries.has(place)) continue;
      const restKey = key.slice(cut);
      const rest = this.lookup(restKey);
      if (!rest.target) continue;
      // `阳信梨`: one character is a product only when no longer catalogue name ends the whole (`白山芋` is 白 + 山芋, a sweet potato, not 白山 + 芋).
      if (restKey.length === 1 && (!rest.target.productLevel || [2, 3].some((n) => key.length >= n && this.entries.has(key.slice(-n))))) continue;
      return matchOf(rest.target, undefined, MatchMethod.REGION_PREFIX, `${how}the place "${place}" before ${describe(rest.target)}`);
    }
    return undefined;
  }

  /** `猪前肘`, `牛腱子`: the animal before a cut that names a product whose own name carries that animal (猪肘). */
  private speciesPrefix(key: string, how: string): ProductMatch | undefined {
    const animal = key[0];
    if (!SPECIES.includes(animal) || key.length < 3 || this.entries.has(key)) return undefined;
    const rest = this.lookup(key.slice(1));
    if (!rest.target?.productLevel || !rest.target.productName.includes(animal)) return undefined;
    return matchOf(
      { ...rest.target, varietyId: null, varietyName: null },
      undefined,
      MatchMethod.SPECIES_PREFIX,
      `${how}the animal "${animal}" before ${describe(rest.target)}`,
    );
  }

  /** `大百合`, `红提子`, `长白菜`, `大红圆椒`: a size or colour word (at most two) before a product name (two or more characters) that is no catalogue name as a whole. */
  private modifierPrefix(key: string, how: string, depth = 0): ProductMatch | undefined {
    if (this.entries.has(key) || CONFUSABLE_COMPOUNDS.has(key)) return undefined;
    for (const word of MODIFIER_WORDS) {
      if (!key.startsWith(word) || key.length - word.length < 2) continue;
      const restKey = key.slice(word.length);
      if (NO_MODIFIER.has(restKey)) return undefined;
      const colour = COLOUR_WORDS.includes(word);
      const rest = this.lookup(restKey);
      if (!rest.target?.productLevel) {
        const inner = depth === 0 && !this.entries.has(restKey) ? this.modifierPrefix(restKey, how, 1) : undefined;
        if (inner && !(colour && this.entries.get(lookupKey(inner.productCode))?.some((e) => COLOUR_NAMED_SECTORS.has(e.sector ?? '')))) {
          return { ...inner, evidence: `${how}${colour ? 'colour' : 'size'} word "${word}" and ${inner.evidence.slice(how.length)}` };
        }
        continue;
      }
      if (colour && (NO_COLOUR.has(restKey) || this.entries.get(restKey)?.some((e) => COLOUR_NAMED_SECTORS.has(e.sector ?? '')))) return undefined;
      // `小白菜心` is 小白菜 + 心, never 小 + 白菜心.
      if (this.spansOtherProduct(key, word.length, rest.target.productId)) return undefined;
      return matchOf(
        { ...rest.target, varietyId: null, varietyName: null },
        undefined,
        MatchMethod.MODIFIER_PREFIX,
        `${how}${colour ? 'colour' : 'size'} word "${word}" before ${describe(rest.target)}`,
      );
    }
    return undefined;
  }

  /**
   * Whether a catalogue name of another product than `productId` spans the boundary between what stands in front
   * (`key.slice(0, cut)`) and the head: `小白菜心` is 小白菜 + 心 (bok choy), never 小 + 白菜心; `紫菜头` holds 紫菜.
   */
  private spansOtherProduct(key: string, cut: number, productId: number): boolean {
    const own = this.entries.get(lookupKey(this.codeOf(productId) ?? ''))?.[0]?.productName ?? '';
    // The same animal across the boundary is no other product (`黄牛里脊肉`: 黄牛 and 牛里脊 are both 牛).
    const sameAnimal = (e: Entry) => SPECIES.some((a) => own.includes(a) && e.productName.includes(a));
    for (let a = 0; a < cut; a++)
      for (let b = cut + 1; b <= key.length; b++) {
        if (b - a < 2 || (a === 0 && b === key.length)) continue;
        if (this.entries.get(key.slice(a, b))?.some((e) => e.productId !== productId && e.productLevel && !sameAnimal(e))) return true;
      }
    return false;
  }

  private codeOf(productId: number): string | undefined {
    return this.productKeys.find(([, e]) => e.productId === productId)?.[1].productCode;
  }

  /** Whether `prefix` names an animal the product's name does not carry while it carries another (`羊腱子肉` is no 牛腱子). */
  private otherAnimal(prefix: string, productName: string): boolean {
    const own = SPECIES.filter((a) => productName.includes(a));
    return own.length > 0 && SPECIES.some((a) => prefix.includes(a) && !own.includes(a));
  }

  /**
   * Head-final (`香蜜瓜`, `绿皮丝瓜`, `毛山药`, `秦杏`, `河北沧州小枣`, `红酥梨`): the name is descriptors from the closed
   * lexicon ({@link DESCRIPTOR_WORDS}, places of China, province abbreviations before a one-character fruit), at most
   * three, then a product or variety name of one product. Refused when the compound, or any longer end of it, is a
   * catalogue name of another product (番杏 is no 杏), when it is a known {@link CONFUSABLE_COMPOUNDS} (黑枣), when
   * the head takes no modifier (白菜, 萝卜 …) or is generic (无籽), and when a descriptor is itself another product's name.
   */
  private headFinal(key: string, how: string): ProductMatch | undefined {
    if (key.length < 2 || this.entries.has(key) || CONFUSABLE_COMPOUNDS.has(key)) return undefined;
    for (let cut = 1; cut < key.length; cut++) {
      const restKey = key.slice(cut);
      if (NO_MODIFIER.has(restKey) || GENERIC_HEADS.has(restKey)) continue;
      const oneCharacter = restKey.length === 1;
      if (oneCharacter && !ONE_CHARACTER_HEADS.has(restKey)) continue;
      const rest = this.lookup(restKey);
      if (!rest.target || (oneCharacter && !rest.target.productLevel)) continue;
      const tokens = this.descriptors(key.slice(0, cut), oneCharacter);
      if (!tokens) continue;
      if (this.spansOtherProduct(key, cut, rest.target.productId)) continue;
      const colour = tokens.some((t) => COLOUR_WORDS.includes(t) || LOOK_WORDS.includes(t));
      if (colour && NO_COLOUR.has(restKey)) continue;
      // Any longer end of the name that is a catalogue name of another product (番杏, 黄花菜) says it is that product, not this one.
      let other = false;
      for (let j = 1; j < cut && !other; j++) {
        const end = key.slice(j);
        other = CONFUSABLE_COMPOUNDS.has(end) || Boolean(this.entries.get(end)?.some((e) => e.productId !== rest.target!.productId));
      }
      if (other) continue;
      // A colour before an aquatic name makes another species (白鳝 is an eel, 黄鳝 another fish).
      if (colour && this.entries.get(restKey)?.some((e) => COLOUR_NAMED_SECTORS.has(e.sector ?? ''))) continue;
      return matchOf(
        { ...rest.target, varietyId: null, varietyName: null },
        undefined,
        MatchMethod.HEAD_FINAL,
        `${how}descriptor${tokens.length > 1 ? 's' : ''} "${tokens.join('", "')}" before ${describe(rest.target)}`,
      );
    }
    return undefined;
  }

  /** Splits `prefix` into at most three descriptor words (lexicon, places; province abbreviations only before a one-character head), or undefined. */
  private descriptors(prefix: string, beforeOneCharacter: boolean): string[] | undefined {
    const places = regionNames();
    const split = (text: string, depth: number): string[] | undefined => {
      if (!text) return [];
      if (depth === 3) return undefined;
      for (let len = Math.min(text.length, 12); len >= 1; len--) {
        const word = text.slice(0, len);
        const known =
          DESCRIPTOR_WORDS.includes(word) ||
          (len >= 2 && places.has(word) && !this.entries.has(word)) ||
          (len === 1 && depth === 0 && beforeOneCharacter && PROVINCE_ABBREVIATIONS.has(word));
        if (!known) continue;
        // A descriptor of two or more characters that is itself a catalogue name is a product, not a descriptor.
        if (len >= 2 && this.entries.has(word)) continue;
        const rest = split(text.slice(len), depth + 1);
        if (rest) return [word, ...rest];
      }
      return undefined;
    };
    return split(prefix, 0);
  }

  /** `大毛桃`, `小毛桃`: a size before the name of a variety (of one product): that product. */
  private sizedVariety(key: string, how: string): ProductMatch | undefined {
    const m = /^(大|小|特大)(.{2,})$/.exec(key);
    if (!m) return undefined;
    const list = this.entries.get(m[2]);
    if (!list?.length || list.some((e) => e.productLevel) || new Set(list.map((e) => e.productId)).size !== 1) return undefined;
    const v = list[0];
    return matchOf(
      { ...v, varietyId: null, varietyName: null },
      undefined,
      MatchMethod.SIZED_VARIETY,
      `${how}size "${m[1]}" before variety "${v.name}" of ${v.productName}`,
    );
  }

  /** An unknown word before a head noun (`左合草莓`): a kind of that product. */
  private headNoun(key: string, how: string): ProductMatch | undefined {
    // `荔枝王`: trade speak for the best of a product.
    if (key.endsWith('王') && HEAD_NOUNS.has(key.slice(0, -1))) {
      const resolution = this.lookup(key.slice(0, -1));
      if (resolution.target)
        return matchOf(
          { ...resolution.target, varietyId: null, varietyName: null },
          undefined,
          MatchMethod.HEAD_NOUN,
          `${how}the product name "${key.slice(0, -1)}" with "王" (the best of it)`,
        );
    }
    for (const head of HEAD_NOUNS) {
      if (key.length <= head.length || !key.endsWith(head)) continue;
      const resolution = this.lookup(head);
      if (!resolution.target) continue;
      const prefix = key.slice(0, -head.length);
      // A known word in front that names something else (`草莓番茄`…) is no unknown variety.
      if (this.entries.has(prefix)) return undefined;
      // `红萝卜` (a carrot in the south), `黑香米` (black rice): a descriptor before a head that descriptors make into other
      // products, or a name of another product across the boundary, is no unknown variety either.
      if ((NO_MODIFIER.has(head) && DESCRIPTOR_WORDS.includes(prefix)) || this.spansOtherProduct(key, prefix.length, resolution.target.productId))
        return undefined;
      if (COLOUR_WORDS.includes(prefix) && this.entries.get(head)?.some((e) => COLOUR_NAMED_SECTORS.has(e.sector ?? ''))) return undefined;
      return matchOf(
        { ...resolution.target, varietyId: null, varietyName: null },
        undefined,
        MatchMethod.HEAD_NOUN,
        `${how}"${prefix}" before the product name "${head}" (${resolution.target.productName}), which no other product's name ends with`,
      );
    }
    return undefined;
  }

  /** Names joined by separators, or `杏：凯特`: matched when every part names the same product. */
  private alternatives(text: string, how: string, ambiguous: Entry[]): ProductMatch | undefined {
    const colon = /^([\u4e00-\u9fa5]{1,4})[:：]([\u4e00-\u9fa5\w]{2,})$/.exec(text);
    if (colon) {
      const product = this.lookup(lookupKey(colon[1])).target;
      const variety = product && this.varietyOf(product.productId, colon[2]);
      if (product && variety) return matchOf(variety, variety, MatchMethod.COMPOUND, `${how}product "${colon[1]}" with its variety "${variety.name}"`);
      return undefined;
    }
    const parts = text
      .split(/[/、,，.・·]/)
      .map((p) => p.trim())
      .filter(Boolean);
    if (parts.length < 2) return undefined;
    const named = parts.filter((part) => !VARIETY_CODE.test(part));
    if (!named.length) return undefined;
    const hits = named.map((part) => this.find(part, part, ambiguous));
    // `鲈鱼/寨花`: a part that names several products (鲈鱼) is no veto when another part names one of them (寨花: 海鲈鱼).
    const definite = hits.filter((h): h is ProductMatch => Boolean(h));
    if (!definite.length) return undefined;
    const unresolved = named.filter((_, i) => !hits[i]);
    if (unresolved.length) {
      const product = definite[0].productId;
      if (definite.some((h) => h.productId !== product)) return undefined;
      const fits = unresolved.every((part) => this.lookup(lookupKey(part)).ambiguous?.some((e) => e.productId === product));
      if (!fits) return undefined;
      const first = definite[0];
      return {
        ...first,
        varietyId: null,
        varietyName: null,
        score: 1,
        method: MatchMethod.ALTERNATIVES,
        evidence: `${how}${definite.map((h) => h.evidence).join(' | ')}; "${unresolved.join('", "')}" names ${first.productCode} among others`,
      };
    }
    const products = new Set(hits.map((h) => h!.productId));
    if (products.size !== 1) return undefined;
    const varieties = new Set(hits.map((h) => h!.varietyId));
    const first = hits[0]!;
    const target = varieties.size === 1 ? first : { ...first, varietyId: null, varietyName: null };
    return {
      ...target,
      score: 1,
      method: MatchMethod.ALTERNATIVES,
      evidence: `${how}every part names ${first.productCode}: ${hits.map((h) => h!.evidence).join(' | ')}`,
    };
  }

  /** Review candidates, best first: what the name might be, with the evidence for each. Never linked automatically. */
  private candidates(text: string, ambiguous: Entry[]): ProductMatch[] {
    const core = lookupKey(normaliseName(text).core) || lookupKey(text);
    const found = new Map<string, ProductMatch>();
    const offer = (entry: ProductTarget, score: number, method: MatchMethod, evidence: string) => {
      const id = `${entry.productId}\u0000${entry.varietyId ?? ''}`;
      const existing = found.get(id);
      if (!existing || existing.score < score) found.set(id, { ...targetOf(entry), score: round(score), method, evidence });
    };
    for (const entry of ambiguous) {
      offer(
        entry,
        0.7,
        MatchMethod.AMBIGUOUS,
        entry.why
          ? `"${entry.name}" may name ${entry.productName}: ${entry.why}`
          : `"${entry.name}" names ${entry.productLevel ? 'the product' : `a variety of`} ${entry.productName} and other products`,
      );
    }
    if (core.length >= 1) {
      for (const [key, list] of this.entries) {
        if (key.length < 1 || key === core) continue;
        let score = 0;
        let evidence = '';
        if (key.length >= 1 && core.endsWith(key) && key.length >= Math.min(2, core.length - 1)) {
          score = 0.45 + 0.4 * (key.length / core.length);
          evidence = `ends with "${key}"`;
        } else if (key.length >= 2 && core.includes(key)) {
          score = 0.35 + 0.4 * (key.length / core.length);
          evidence = `contains "${key}"`;
        } else if (core.length >= 2 && key.length >= 2 && key.includes(core)) {
          score = 0.3 + 0.3 * (core.length / key.length);
          evidence = `is part of "${key}"`;
        }
        if (key.length >= 2 && core.length >= 2) {
          const d = distance(core, key);
          const similarity = 1 - d / Math.max(core.length, key.length);
          if (similarity >= 0.5 && similarity * 0.8 > score) {
            score = similarity * 0.8;
            evidence = `${d} edit${d === 1 ? '' : 's'} from "${key}"`;
          }
        }
        if (score < 0.4) continue;
        for (const entry of list)
          offer(
            entry,
            score,
            MatchMethod.SIMILAR,
            `${evidence} (${entry.productLevel ? 'name or alias of' : `variety ${entry.varietyName} of`} ${entry.productName})`,
          );
      }
    }
    return [...found.values()].sort((a, b) => b.score - a.score || a.productCode.localeCompare(b.productCode)).slice(0, MAX_CANDIDATES);
  }
}

/** A product row as the matcher reads it. */
export interface CatalogueProduct {
  id: number;
  code: string;
  name: string;
  aliases: string[];
  /** The product's sector code (`aquatic`, `vegetable` …): colour words never qualify aquatic names. */
  sector?: string | null;
}

export interface CatalogueVariety {
  id: number;
  productId: number;
  name: string;
  aliases: string[];
}

export interface ReviewedAlias {
  alias: string;
  productId: number;
  varietyId: number | null;
}

/**
 * The sectors a list's category (or section) may hold, by the words price lists use; undefined for a category that
 * says nothing the hub knows (no veto then). Sector codes as in seeds/catalogue/classes.csv.
 */
export function categorySectors(category: string): ReadonlySet<string> | undefined {
  const c = category.replace(/\s+/g, '');
  if (!c) return undefined;
  for (const [pattern, sectors] of CATEGORY_SECTORS) if (pattern.test(c)) return sectors;
  return undefined;
}

/** First match wins: 干鲜 (dried goods) before 果 and 菜, 水产 before 水果. */
const CATEGORY_SECTORS: [RegExp, ReadonlySet<string>][] = [
  [/干鲜|干货|干菜|干果|南北货|炒货/, new Set(['dried-fruit-nut', 'spice', 'mushroom', 'grain', 'oilseed', 'condiment', 'medicinal-herb', 'aquatic', 'fruit'])],
  [/水产|海鲜|海产|鱼/, new Set(['aquatic'])],
  [/水果|果品|鲜果|瓜果/, new Set(['fruit', 'dried-fruit-nut'])],
  [/蔬菜|菜类|叶菜|根茎|茄果|瓜菜|菌/, new Set(['vegetable', 'mushroom', 'spice', 'soy-product'])],
  [/肉|禽|蛋|畜/, new Set(['meat', 'poultry-egg'])],
  [/粮|油|米面/, new Set(['grain', 'oilseed', 'edible-oil', 'soy-product'])],
];

function targetOf(entry: ProductTarget): ProductTarget {
  return { productId: entry.productId, productCode: entry.productCode, varietyId: entry.varietyId, varietyName: entry.varietyName };
}

function describe(target: Resolution['target'] & object): string {
  const kind = target.source === 'reviewed' ? 'reviewed alias' : target.productLevel ? (target.name === target.productName ? 'product' : 'alias') : 'variety';
  return `${kind} "${target.name}"${kind === 'product' ? '' : ` of ${target.productName}`}`;
}

function matchOf(product: ProductTarget, variety: ProductTarget | undefined, method: MatchMethod, evidence: string): ProductMatch {
  const target = targetOf(product);
  if (variety) {
    target.varietyId = variety.varietyId;
    target.varietyName = variety.varietyName;
  }
  return { ...target, score: 1, method, evidence };
}

function round(score: number): number {
  return Math.round(score * 100) / 100;
}
