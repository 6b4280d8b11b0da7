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

/** Price per kg for a price quoted per `unit`, or undefined when `unit` is not a weight. */
export function pricePerKg(price: number | null | undefined, unit: string): number | undefined {
  if (price == null) return undefined;
  const perKg = UNITS_PER_KG[bareUnit(unit)];
  return perKg === undefined ? undefined : Math.round(price * perKg * 100) / 100;
}
