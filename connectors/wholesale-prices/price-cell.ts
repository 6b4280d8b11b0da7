/**
 * A price cell written as text, as real lists write it when the cell is not a plain number: a range in one cell
 * (`1.20-1.80`, `1.2～1.8`, `1.2~1.8`, `1.2—1.8`, `1.2至1.8`), a unit inside the cell (`2.5元/斤`, `3.0 元/公斤`,
 * `1.2-1.8元/500g`), a currency sign (`¥2.5`, `2.5元`) or thousands separators (`1,280.00`).
 *
 * Only reached when `Number(cell)` fails: a list of plain numbers (Xinfadi's) never comes here, so the bulk path keeps
 * its cost (issue #13). The expressions are compiled once, here, never per row.
 *
 * Fail closed: anything else is refused with the cell as written (a negative price, a reversed range `1.8-1.2`, a
 * range whose high is more than {@link MAX_RANGE_RATIO} times its low, a range bound of 0, another currency, words
 * such as `面议` or `2.5左右`). A refused row is kept in the rejected store and can be replayed; a guessed number
 * would be stored silently.
 */

/** What a price cell says: one price (`low === high`) or a range, and the unit it names, if any. */
export interface PriceCell {
  low: number;
  high: number;
  /** True when the cell held two numbers. */
  range: boolean;
  /** The unit after the number(s), as written after `元/` (`斤`, `公斤`, `500g`), when the cell names one. */
  unit?: string;
}

/**
 * A range whose high is more than this many times its low is refused: `1.2-180` is a lost decimal point far more
 * often than a real spread. The widest spread in the real Xinfadi list (79,621 rows, separate low/high columns) is
 * 11.5x (蟠桃 0.80-5.00 is 6.3x), so 20x leaves room for real lists and still catches a shifted digit.
 */
export const MAX_RANGE_RATIO = 20;

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
/** Between the two numbers of a range: hyphens and dashes, tildes (ASCII and CJK wave dash), 至 / 到. @internal */
const SEPARATOR = String.raw`\s*(?:元\s*)?(?:-{1,2}|~|〜|—{1,2}|–|―|至|到)\s*(?:¥\s*)?`;
/** After the number(s): `元`, `元/斤`, `/斤`, `元每斤`, `元 / 公斤`. @internal */
const UNIT = String.raw`\s*(?:元\s*(?:(?:\/|每)\s*(.+?))?|(?:\/|每)\s*(.+?))?`;
/** The whole cell (after NFKC, a currency sign and thousands separators taken off). @internal */
const CELL = new RegExp(`^${NUMBER}(?:${SEPARATOR}${NUMBER})?${UNIT}$`, 'u');
const CURRENCY_SIGN = /^(?:¥|rmb|cny|人民币)\s*/iu;
/** `1,280.50` -> `1280.50`; a comma not followed by exactly three digits (`1,2`) is left, and refused. @internal */
const THOUSANDS = /(\d)[,，](?=\d{3}(?!\d))/gu;
/** Currencies that are not yuan: a price in them is refused, never stored as yuan. @internal */
const FOREIGN = /(?:美元|美金|港币|港元|欧元|日元|英镑|usd|hkd|eur|jpy|\$|€|£)/iu;

/**
 * Reads a price cell written as text (see the module comment). Returns the price(s) and the unit the cell names, or
 * the reason it is refused (a sentence naming the cell, for the rejected record).
 */
export function readPriceCell(text: string): PriceCell | string {
  const written = text.trim();
  const t = written.normalize('NFKC').replace(CURRENCY_SIGN, '').replace(THOUSANDS, '$1');
  if (FOREIGN.test(t)) return `"${written}" is not in yuan (元); the hub stores yuan prices only`;
  if (/^[-−]/u.test(t)) return `"${written}" is negative; a price cannot be`;
  const m = CELL.exec(t);
  if (!m) return `"${written}" is not a price: a number, a range such as 1.20-1.80, optionally with its unit (2.5元/斤)`;
  const low = Number(m[1]);
  const range = m[2] !== undefined;
  const high = range ? Number(m[2]) : low;
  const unit = (m[3] ?? m[4])?.trim();
  if (range) {
    if (low > high) return `"${written}" is a reversed range (low ${low} above high ${high})`;
    if (low === 0) return `"${written}" is a range from 0; a price of 0 is no quote`;
    if (high / low > MAX_RANGE_RATIO) return `"${written}" spans more than ${MAX_RANGE_RATIO}x (a lost decimal point?)`;
  }
  return unit ? { low, high, range, unit } : { low, high, range };
}
