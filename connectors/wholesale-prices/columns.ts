/**
 * A price list's columns, placed once per file from its header (never guessed per row): which header holds the
 * product name, the variety, the low / average / high price, the day, the unit, the spec, the origin, the market and
 * the category. Real lists name these in many ways (`品名` / `品种` / `商品名称` / `name`, `均价` / `批发价` / `价格(元/公斤)`,
 * `日期` / `采集日期` / `date` ...); the synonym table below holds the ones seen in public lists (test/matching/README.md).
 *
 * Precision first: a header matches a role only when its normalised text (NFKC, so full-width forms and brackets become
 * ASCII; white space, `_`, `-` and `.` dropped; lower case; a bracket and its contents kept aside) is in the role's
 * table. A header that could be two roles, two columns for one role, or a missing required role (name, a price, date;
 * a unit unless a price header, the config or every name carries one) refuses the whole file with one
 * {@link PriceColumnsError} naming the headers seen, what could not be placed and the `columns` setting that fixes it.
 * Headers in no table (`序号`, `备注`, `provinceName` ...) are ignored.
 */

/** What a column of a price list can hold. */
export const PRICE_ROLES = ['name', 'variety', 'low', 'avg', 'high', 'range', 'date', 'unit', 'spec', 'origin', 'market', 'category'] as const;
export type PriceRole = (typeof PRICE_ROLES)[number];

/** An explicit mapping, role -> header as the file writes it (the connector config's `columns`). */
export type PriceColumnsMapping = Partial<Record<PriceRole, string>>;

const ROLE_LABEL: Record<PriceRole, string> = {
  name: 'the product name (name)',
  variety: 'the variety (variety)',
  low: 'the lowest price (low)',
  avg: 'the average price (avg)',
  high: 'the highest price (high)',
  range: 'a price range such as 1.20-1.80 (range)',
  date: 'the day (date)',
  unit: 'the unit the prices are per (unit)',
  spec: 'the spec or grade (spec)',
  origin: 'the origin (origin)',
  market: 'the market (market)',
  category: 'the category (category)',
};

/**
 * Normalised headers -> role. `品种` (and `variety`, `varietyName`) is the variety when the list has a name column,
 * and the name when it has none (the ministry portal's `varietyName`, Guangzhou's boards): see {@link VARIETY_OR_NAME}.
 * @internal
 */
const SYNONYMS: Record<Exclude<PriceRole, 'variety'>, string[]> = {
  name: [
    ...['品名', '名称', '商品名称', '商品名', '产品名称', '产品名', '农产品名称', '农产品', '蔬菜名称', '水果名称', '菜名', '品名名称', '货品名称'],
    // Market boards head their name column with the section: 蔬菜 | 价格 (Lanzhou 大青山's board, BENCHMARKS.md).
    ...['蔬菜', '水果'],
    ...['name', 'productname', 'product', 'prodname', 'commodity', 'commodityname', 'item', 'itemname'],
  ],
  low: [...['最低价', '最低价格', '最低', '最低批发价', '最低批发价格', '低价'], ...['min', 'minprice', 'low', 'lowprice', 'lowest', 'lowestprice']],
  avg: [
    ...['平均价', '平均价格', '均价', '平均批发价', '批发均价', '批发价', '批发价格', '价格', '中间价', '单价', '成交价', '成交均价'],
    ...['今日均价', '今日价格', '当日均价', '当日价格', '今日批发价'],
    ...['avg', 'average', 'avgprice', 'averageprice', 'meanprice', 'price', 'wtdavgprice'],
  ],
  high: [...['最高价', '最高价格', '最高', '最高批发价', '最高批发价格', '高价'], ...['max', 'maxprice', 'high', 'highprice', 'highest', 'highestprice']],
  // A column of `low-high` cells (price-cell.ts); was ambiguous (low or high) before cells were read.
  range: [...['价格区间', '价格范围', '批发价格区间', '报价区间', '价格幅度'], ...['pricerange']],
  date: [
    ...['日期', '发布日期', '采集日期', '报价日期', '交易日期', '价格日期', '时间', '发布时间', '采集时间', '报价时间', '交易时间'],
    ...['date', 'day', 'time', 'pubdate', 'reportdate', 'tradedate', 'pricedate'],
  ],
  unit: [...['单位', '计量单位', '价格单位', '计价单位'], ...['unit', 'unitinfo', 'meteringunit', 'uom']],
  spec: [...['规格', '规格型号', '规格等级', '规格、等级'], ...['spec', 'specinfo', 'specification', 'size']],
  origin: [...['产地', '来源地', '产区', '原产地', '产地名称'], ...['origin', 'place', 'placeoforigin']],
  market: [...['市场', '市场名称', '批发市场', '批发市场名称'], ...['market', 'marketname']],
  category: [...['类别', '分类', '大类', '一级分类', '种类'], ...['category', 'prodcat']],
};

/** Headers that are the variety when the list has a name column, the name when it has none. @internal */
const VARIETY_OR_NAME = new Set(['品种', '品种名称', 'variety', 'varietyname']);

/** Headers that could be two roles: refused unless `columns` names them (or names every role they could be). @internal */
const AMBIGUOUS: Record<string, PriceRole[]> = {
  品类: ['category', 'name'],
  地区: ['origin', 'market'],
  区域: ['origin', 'market'],
  地点: ['origin', 'market'],
  area: ['origin', 'market'],
  region: ['origin', 'market'],
  location: ['origin', 'market'],
  品名规格: ['name', 'spec'],
  名称规格: ['name', 'spec'],
};

/** Normalised header -> role. @internal */
const ROLE_OF = new Map<string, PriceRole>();
for (const [role, names] of Object.entries(SYNONYMS) as [PriceRole, string[]][]) for (const n of names) ROLE_OF.set(n, role);

/** The role a header's key ({@link readHeader}) has in the synonym table, if any. */
export const roleOfHeader = (key: string): PriceRole | undefined => ROLE_OF.get(key);

/** A header's text compared: NFKC (full-width forms to ASCII), no white space or `_-.`, lower case. @internal */
export function compactHeader(header: string): string {
  return header
    .normalize('NFKC')
    .replace(/[\s_\-.·:]+/gu, '')
    .toLowerCase();
}

/** Units a price header may carry in its bracket (`价格(元/公斤)`, `均价（元/斤）`, `price (yuan/kg)`). @internal */
const HEADER_UNIT = /^(?:元|yuan|rmb|cny)?(?:\/|每)(.{1,8})$/iu;

/** A header split into its role word and the unit its bracket names (`平均价(元/斤)` -> `平均价`, `斤`). @internal */
export function readHeader(header: string): { key: string; unit?: string } {
  const compact = compactHeader(header);
  let unit: string | undefined;
  // Brackets of any kind (after NFKC: () [] and the CJK 【】〔〕〈〉《》): contents kept aside.
  const key = compact.replace(/[([【〔〈《]([^)\]】〕〉》]*)[)\]】〕〉》]/gu, (_all, inside: string) => {
    const m = HEADER_UNIT.exec(inside);
    if (m) unit = m[1];
    return '';
  });
  // A unit written after the word without brackets: `价格元/公斤`, `均价/元/斤`.
  const trailing = /^(.+?)\/?元(?:\/|每)(.{1,8})$/u.exec(key);
  if (trailing && !unit) return { key: trailing[1], unit: trailing[2] };
  // `最低价元`, `最低价/元`, `price/yuan`: the currency alone.
  return { key: key.replace(/\/?(?:元|yuan|rmb|cny)$/u, '') || key, unit };
}

/** Which header holds which role in one price list, and the unit its price headers name. */
export interface ColumnPlan {
  name: string;
  variety?: string;
  low?: string;
  avg?: string;
  high?: string;
  /** A column of `low-high` cells (`价格区间`). */
  range?: string;
  date: string;
  unit?: string;
  spec?: string;
  origin?: string;
  market?: string;
  category?: string;
  /** The unit the price headers name (`价格(元/公斤)` -> 公斤), for rows whose unit cell is empty or that have none. */
  headerUnit?: string;
  /** The unit of the source's convention when nothing else says (the ministry portal quotes yuan per kg). */
  defaultUnit?: string;
  /** No unit column, header unit or configured unit: each row's name must carry one (`椰青/个`). */
  unitFromName: boolean;
}

/** A price list whose columns cannot be placed: the file is refused whole, nothing of it stored. */
export class PriceColumnsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceColumnsError';
  }
}

const quote = (headers: readonly string[]) => headers.map((h) => `"${h}"`).join(', ');

/**
 * Places the columns of a price list with header `header` (its column names as the file writes them): by `columns`
 * first (an explicit mapping), then by the synonym table. `unitKnown`: a unit comes from elsewhere (the config's
 * `unit`); `namesCarryUnits`: every name of the list says its unit (`椰青/个`), `pricesCarryUnits`: every price cell
 * does (`2.5元/斤`), each checked by the caller on the rows it
 * has. Throws {@link PriceColumnsError} listing every problem at once.
 */
export function planColumns(
  header: readonly string[],
  options: {
    columns?: PriceColumnsMapping;
    unitKnown?: boolean;
    namesCarryUnits?: (nameHeader: string) => boolean;
    pricesCarryUnits?: (priceHeaders: string[]) => boolean;
  } = {},
): ColumnPlan {
  const explicit = options.columns ?? {};
  const problems: string[] = [];
  const fixes: PriceColumnsMapping = {};
  const placed = new Map<PriceRole, string[]>();
  const place = (role: PriceRole, h: string) => placed.set(role, [...(placed.get(role) ?? []), h]);
  const units = new Map<string, string>();
  const seen = header.filter((h) => h !== undefined && h !== null && String(h).trim() !== '').map(String);

  // 1. The explicit mapping: every header it names must be in the file.
  const taken = new Set<string>();
  for (const role of PRICE_ROLES) {
    const wanted = explicit[role];
    if (wanted === undefined) continue;
    const found = seen.find((h) => h === wanted) ?? seen.find((h) => compactHeader(h) === compactHeader(wanted));
    if (found === undefined) {
      problems.push(`columns.${role} names "${wanted}", which this list does not have`);
      continue;
    }
    place(role, found);
    taken.add(found);
    const { unit } = readHeader(found);
    if (unit) units.set(found, unit);
  }
  const named = (role: PriceRole) => explicit[role] !== undefined;

  // 2. The other headers, by the table.
  const varietyOrName: string[] = [];
  const unknown: string[] = [];
  for (const h of seen) {
    if (taken.has(h)) continue;
    const { key, unit } = readHeader(h);
    if (unit) units.set(h, unit);
    const ambiguous = AMBIGUOUS[key];
    if (ambiguous) {
      if (ambiguous.every(named)) continue;
      problems.push(`the header "${h}" could be ${ambiguous.map((r) => ROLE_LABEL[r]).join(' or ')}`);
      fixes[ambiguous[0]] = h;
      continue;
    }
    if (VARIETY_OR_NAME.has(key)) {
      varietyOrName.push(h);
      continue;
    }
    const role = ROLE_OF.get(key);
    if (!role) unknown.push(h);
    // A header whose role the mapping already gives to another column is left alone.
    else if (!named(role)) place(role, h);
  }
  // 品种: the variety beside a name column, the name without one.
  for (const h of varietyOrName) {
    const role: PriceRole = placed.has('name') || named('name') ? 'variety' : 'name';
    if (!named(role)) place(role, h);
  }
  // With 品种 as the name, a second 品种-like header is still two names: reported below.

  // 3. One column per role.
  for (const [role, headers] of placed) {
    if (headers.length > 1) {
      problems.push(`${quote(headers)} are all ${ROLE_LABEL[role]}`);
      fixes[role] = headers[0];
    }
  }
  const one = (role: PriceRole) => placed.get(role)?.[0];

  // 4. The required roles.
  if (!placed.has('name')) problems.push(`no column holds ${ROLE_LABEL.name}`);
  if (!placed.has('date'))
    problems.push(
      `no column holds ${ROLE_LABEL.date} (a list without its day is not stored; there is no default; a list saved under its day, 2024-03-05.csv, is read with "dayFromFileName": true)`,
    );
  if (!placed.has('avg') && !placed.has('range') && !(placed.has('low') && placed.has('high'))) {
    problems.push(`no column holds a price: ${ROLE_LABEL.avg}, ${ROLE_LABEL.range}, or both ${ROLE_LABEL.low} and ${ROLE_LABEL.high}`);
  }
  // The price headers' units must agree.
  const priceRoles = ['low', 'avg', 'high', 'range'] as const;
  const priceUnits = new Set(priceRoles.map((r) => one(r)).flatMap((h) => (h !== undefined && units.has(h) ? [units.get(h)!] : [])));
  if (priceUnits.size > 1) problems.push(`the price headers name different units (${[...priceUnits].join(', ')})`);
  const headerUnit = priceUnits.size === 1 ? [...priceUnits][0] : undefined;
  const isMinistry = seen.includes('varietyName');
  const unitFromName = !placed.has('unit') && !headerUnit && !options.unitKnown && !isMinistry;
  const priceHeaders = priceRoles.flatMap((r) => (one(r) === undefined ? [] : [one(r)!]));
  const unitMissing =
    !problems.length && unitFromName && !(options.namesCarryUnits?.(one('name')!) ?? false) && !(options.pricesCarryUnits?.(priceHeaders) ?? false);
  if (unitMissing) {
    problems.push(
      `no column holds ${ROLE_LABEL.unit}: no unit column, no unit in a price header (价格(元/公斤)), no "unit" in the connector config, and not every name (椰青/个) or price cell (2.5元/斤) carries one`,
    );
  }

  if (problems.length) {
    const example: Record<string, string> = { ...explicit };
    for (const [role, h] of Object.entries(fixes)) example[role] ??= h;
    for (const role of ['name', 'avg', 'date'] as const) example[role] ??= one(role) ?? `<${role === 'avg' ? 'price' : role} header>`;
    const fix = unitMissing
      ? `Give the unit the prices are per in the connector's config, e.g. "config": { "unit": "斤" }, or name the list's unit column: "config": { "columns": { "unit": "<header>" } }`
      : `Name the columns in the connector's config, e.g. "config": { "columns": ${JSON.stringify(example)} } (roles: ${PRICE_ROLES.join(', ')})`;
    throw new PriceColumnsError(
      `cannot place the columns of this price list: ${problems.join('; ')}. Headers seen: ${quote(seen)}${unknown.length ? ` (not recognised: ${quote(unknown)})` : ''}. ${fix}; nothing of this list was stored.`,
    );
  }
  return {
    name: one('name')!,
    variety: one('variety'),
    low: one('low'),
    avg: one('avg'),
    high: one('high'),
    range: one('range'),
    date: one('date')!,
    unit: one('unit'),
    spec: one('spec'),
    origin: one('origin'),
    market: one('market'),
    category: one('category'),
    headerUnit,
    defaultUnit: isMinistry ? '公斤' : undefined,
    unitFromName,
  };
}
