import { lookupKey } from './normalise.js';
import { AMBIGUOUS_NAMES, type AmbiguousName } from './ambiguous-names.js';
import type { CatalogueProduct, CatalogueVariety } from './product-matcher.js';

/**
 * Leave-one-list-out (issue #14, round 4): the catalogue as it would have been had one labelled list never been
 * seen. Trade names were added to the catalogue from the lists of the gold set (绍菜 from Guangzhou, 加吉鱼 from
 * Qingdao …), so a list's figure with the full catalogue says how well the catalogue fits that list, not how it fits
 * the next one. This takes out of the catalogue every alias, variety name and regional-ambiguity entry that is
 * verbatim a name of the held-out list and of no other list of the gold set; product names themselves stay (they
 * come from the standards, not from a list). What is left is an estimate of a first sight: names the catalogue
 * learnt from the list in other forms, and rules tuned on it, stay, so the estimate is on the kind side.
 */
export interface HeldOutCatalogue {
  products: CatalogueProduct[];
  varieties: CatalogueVariety[];
  ambiguousNames: Record<string, AmbiguousName>;
  /** The names taken out. */
  removed: string[];
}

/** The catalogue without the names only `heldOut` carries (`others`: every name of the other lists). */
export function holdOut(
  products: readonly CatalogueProduct[],
  varieties: readonly CatalogueVariety[],
  heldOut: Iterable<string>,
  others: Iterable<string>,
): HeldOutCatalogue {
  const otherKeys = new Set([...others].map(lookupKey));
  const drop = new Set([...heldOut].map(lookupKey).filter((k) => k && !otherKeys.has(k)));
  const removed: string[] = [];
  const keep = (name: string) => {
    if (!drop.has(lookupKey(name))) return true;
    removed.push(name);
    return false;
  };
  const keptProducts = products.map((p) => ({ ...p, aliases: p.aliases.filter(keep) }));
  const keptVarieties: CatalogueVariety[] = [];
  for (const v of varieties) {
    const names = [v.name, ...v.aliases].filter(keep);
    if (names.length) keptVarieties.push({ ...v, name: names[0], aliases: names.slice(1) });
  }
  const ambiguousNames = Object.fromEntries(Object.entries(AMBIGUOUS_NAMES).filter(([name]) => keep(name)));
  return { products: keptProducts, varieties: keptVarieties, ambiguousNames, removed };
}
