/**
 * Weight units by how many of them make a kilogram. Only weights convert to a
 * per-kg price; per-piece or per-box prices keep their unit and are never
 * converted by guess.
 */
export const UNITS_PER_KG: Readonly<Record<string, number>> = {
  斤: 2,
  市斤: 2,
  公斤: 1,
  千克: 1,
  kg: 1,
  吨: 0.001,
  t: 0.001,
  克: 1000,
  g: 1000,
  两: 20,
  lb: 2.2046226218,
};

/** Normalises "元/斤", "/公斤", " KG " to the bare unit ("斤", "公斤", "kg"). */
export function bareUnit(unit: string): string {
  const u = unit
    .trim()
    .replace(/^元\s*\/?\s*/, '')
    .replace(/^\//, '')
    .trim();
  return /^[a-z]+$/i.test(u) ? u.toLowerCase() : u;
}

/** The largest kg factor of a unit (a gram: 1,000 per kg); a price per less is not read. */
export const MAX_KG_FACTOR = 1000;

/** A unit with a quantity before it: `500g`, `500克`, `2.5kg`, `10斤`, `5升`. @internal */
const QUANTITY = /^(\d+(?:\.\d+)?)\s*(\D.*)$/u;

/**
 * How many of `unit` make a kilogram, or undefined when `unit` is not a weight: `斤` 2, `元/公斤` 1, `kg` 1, and a
 * weight with a quantity, as lists quoting per 500 g write it (`元/500克`, `500g` 2; `2.5kg` 0.4).
 */
export function kgPerUnit(unit: string): number | undefined {
  const bare = bareUnit(unit);
  const direct = UNITS_PER_KG[bare];
  if (direct !== undefined) return direct;
  const m = QUANTITY.exec(bare);
  if (!m) return undefined;
  const quantity = Number(m[1]);
  const perKg = UNITS_PER_KG[/^[a-z]+$/i.test(m[2]) ? m[2].toLowerCase() : m[2]];
  // No list quotes per less than a gram (`元/0.001克`): such a unit is not read, so a kg factor is at most 1,000.
  return perKg === undefined || !(quantity > 0) || perKg / quantity > MAX_KG_FACTOR ? undefined : perKg / quantity;
}

/**
 * Units that count pieces, packages or volumes (with or without a quantity: `个`, `箱`, `5升`): a price per one of
 * them is stored with its unit and no per-kg price, never converted by guess (a box's weight is not known).
 */
export const COUNT_UNITS: ReadonlySet<string> = new Set([
  ...['个', '只', '头', '条', '尾', '箱', '件', '袋', '盒', '把', '扎', '捆', '筐', '篓', '框', '包', '瓶', '罐', '桶', '听', '打'],
  ...['支', '枚', '棵', '株', '束', '盆', '份', '片', '块', '根', '对', '双', '套', '板', '盘', '托', '提', '串', '粒', '颗'],
  ...['升', '毫升', 'l', 'ml'],
]);

/** What a unit is to the hub: a weight (converted to per kg), a count (kept as it is), or unknown. */
export type UnitKind = 'weight' | 'count' | 'unknown';

/** Whether `unit` is a weight, a count ({@link COUNT_UNITS}, with or without a quantity) or neither. */
export function unitKind(unit: string): UnitKind {
  if (kgPerUnit(unit) !== undefined) return 'weight';
  const bare = bareUnit(unit);
  const base = QUANTITY.exec(bare)?.[2] ?? bare;
  return COUNT_UNITS.has(/^[a-z]+$/i.test(base) ? base.toLowerCase() : base) ? 'count' : 'unknown';
}

/** Price per kg for a price quoted per `unit`, or undefined when `unit` is not a weight. */
export function pricePerKg(price: number | null | undefined, unit: string): number | undefined {
  if (price == null) return undefined;
  const perKg = kgPerUnit(unit);
  return perKg === undefined ? undefined : Math.round(price * perKg * 100) / 100;
}
