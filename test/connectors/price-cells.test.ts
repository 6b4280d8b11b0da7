import { mapPriceRow, priceMapperFor } from '../../connectors/wholesale-prices/mapper.js';
import { readPriceCell } from '../../connectors/wholesale-prices/price-cell.js';
import { kgPerUnit, unitKind } from '../../src/catalog/units.js';

/**
 * Price cells as real lists write them (connectors/wholesale-prices/price-cell.ts, row-prices.ts): a range or a unit
 * inside the cell, a unit per row. Before, every one of these rows was refused as "not a number" (a range, `2.5元/斤`)
 * or stored with no per-kg price (`元/500克`). Fail closed: what cannot be read exactly refuses the row, naming the
 * column and the value, and the row is kept in the rejected store for replay (test/connectors/price-real-layouts).
 */
const config = { market: 'beijing-xinfadi', marketCodes: {} };
const mapList = (rows: Record<string, unknown>[], extra: object = {}) => {
  const mapper = priceMapperFor(
    Object.keys(rows[0]),
    { ...config, ...extra },
    rows.map((raw, i) => ({ raw, position: `list.csv:${i + 2}` })),
  );
  return rows.map((r) => mapper(r));
};

describe('a price cell', () => {
  it.each([
    ['1.20-1.80', { low: 1.2, high: 1.8, range: true }],
    ['1.2～1.8', { low: 1.2, high: 1.8, range: true }],
    ['1.2~1.8', { low: 1.2, high: 1.8, range: true }],
    ['1.2—1.8', { low: 1.2, high: 1.8, range: true }],
    ['1.2－1.8', { low: 1.2, high: 1.8, range: true }],
    ['1.2至1.8', { low: 1.2, high: 1.8, range: true }],
    ['1.2元-1.8元', { low: 1.2, high: 1.8, range: true }],
    ['1.5-1.5', { low: 1.5, high: 1.5, range: true }],
    ['2.5元/斤', { low: 2.5, high: 2.5, range: false, unit: '斤' }],
    ['3.0 元/公斤', { low: 3, high: 3, range: false, unit: '公斤' }],
    ['12.05元/千克', { low: 12.05, high: 12.05, range: false, unit: '千克' }],
    ['1.2-1.8元/500g', { low: 1.2, high: 1.8, range: true, unit: '500g' }],
    ['2.5元每斤', { low: 2.5, high: 2.5, range: false, unit: '斤' }],
    ['¥2.5', { low: 2.5, high: 2.5, range: false }],
    ['2.5元', { low: 2.5, high: 2.5, range: false }],
    ['１，２８０．５０', { low: 1280.5, high: 1280.5, range: false }],
  ])('reads %s', (text, expected) => {
    expect(readPriceCell(text)).toEqual(expected);
  });

  it.each([
    ['1.8-1.2', /reversed range/],
    ['-1.5', /negative/],
    ['-1.2-1.8', /negative/],
    ['0-1.5', /from 0/],
    ['1.2-180', /more than 20x/],
    ['2.5美元/kg', /not in yuan/],
    ['$2.5', /not in yuan/],
    ['面议', /not a price/],
    ['2.5左右', /not a price/],
    ['1,2', /not a price/],
    ['1.2.3', /not a price/],
    ['1.2-1.5-1.8', /not a price/],
  ])('refuses %s', (text, reason) => {
    expect(readPriceCell(text)).toEqual(expect.stringMatching(reason));
  });
});

describe('units', () => {
  it.each([
    ['斤', 2],
    ['元/斤', 2],
    ['元/公斤', 1],
    ['元/千克', 1],
    ['元/kg', 1],
    ['元/KG', 1],
    ['元/500g', 2],
    ['元/500克', 2],
    ['元/克', 1000],
    ['2.5kg', 0.4],
  ])('%s is a weight, %d per kg', (unit, perKg) => {
    expect(kgPerUnit(unit)).toBe(perKg);
    expect(unitKind(unit)).toBe('weight');
  });
  it.each(['个', '元/箱', '元/头', '元/5升', '10个'])('%s is a count, kept as it is', (unit) => expect(unitKind(unit)).toBe('count'));
  it.each(['元', '斤左右', '元/0斤', '元/0.001克', 'abc'])('%s is unknown', (unit) => expect(unitKind(unit)).toBe('unknown'));
});

describe('rows of a list with ranges and units in cells', () => {
  it('a range under 价格 gives low and high, and their midpoint as the average', () => {
    const [row] = mapList([{ 品名: '青笋', '价格(元/公斤)': '1.8-2.6', 日期: '2024-03-05' }]);
    expect(row).toMatchObject({ lowPrice: 1.8, avgPrice: 2.2, highPrice: 2.6, unit: '公斤' });
  });

  it('a range column beside an average column keeps the average as written', () => {
    const [row] = mapList([{ 品名: '土豆', 价格区间: '1.30~3.40', 均价: '2.00', 单位: '斤', 日期: '2024-03-05' }]);
    expect(row).toMatchObject({ lowPrice: 1.3, avgPrice: 2, highPrice: 3.4, unit: '斤' });
  });

  it('a unit in the cell is the row unit when nothing else names one (the list is placed by its cells)', () => {
    const rows = mapList([
      { 品名: '香菇', 今日均价: '12.05元/千克', 日期: '2024-06-12' },
      { 品名: '白菜', 今日均价: '1.2-1.5元/斤', 日期: '2024-06-12' },
    ]);
    expect(rows).toEqual([
      expect.objectContaining({ avgPrice: 12.05, unit: '千克' }),
      expect.objectContaining({ lowPrice: 1.2, avgPrice: 1.35, highPrice: 1.5, unit: '斤' }),
    ]);
  });

  it('a per-row unit column: weights, 500 g, and per-piece units kept with their unit', () => {
    const rows = mapList([
      { 品名: '鸡蛋', 单位: '元/500克', 价格: '4.5', 日期: '2024-03-05' },
      { 品名: '菠萝', 单位: '元/个', 价格: '6', 日期: '2024-03-05' },
      { 品名: '牛肉', 单位: '元/kg', 价格: '78', 日期: '2024-03-05' },
    ]);
    expect(rows.map((r) => (r as { unit: string }).unit)).toEqual(['元/500克', '元/个', '元/kg']);
  });

  it.each([
    [{ 品名: '白菜', '价格(元/公斤)': '2.5元/斤', 日期: '2024-03-05' }, '价格(元/公斤)', /is per 斤 but the header "价格\(元\/公斤\)" says "公斤"/],
    [{ 品名: '白菜', 单位: '公斤', 价格: '2.5元/斤', 日期: '2024-03-05' }, '价格', /"2\.5元\/斤"\) is per 斤 but 单位 says "公斤"/],
    [{ 品名: '白菜', 单位: '元/箱?', 价格: '2.5', 日期: '2024-03-05' }, '单位', /单位 \("元\/箱\?"\): "元\/箱\?" is not a unit the hub can read/],
    [{ 品名: '白菜', 单位: '斤', 价格: '1.8-1.2', 日期: '2024-03-05' }, '价格', /价格: "1\.8-1\.2" is a reversed range/],
    [{ 品名: '白菜', 单位: '斤', 最低价: '1.2-1.5', 最高价: '1.8', 日期: '2024-03-05' }, '最低价', /最低价 holds a range/],
    [
      { 品名: '白菜', 单位: '斤', 最低价: '1.0', 最高价: '1.8', 价格: '1.2-1.8', 日期: '2024-03-05' },
      '价格',
      /价格 says 1\.2-1\.8 but the row's low\/high columns say 1-1\.8/,
    ],
    [{ 品名: '白菜', 价格: '2.5元/份儿', 日期: '2024-03-05' }, '价格', /"份儿" is not a unit the hub can read/],
  ])('refuses a row whose cells cannot be read exactly, naming the column and the value: %j', (row, field, reason) => {
    const [out] = mapList([row], { unit: row['价格(元/公斤)' as keyof typeof row] ? undefined : '斤' });
    expect(out).toMatchObject({ rejected: true, field, reason: expect.stringMatching(reason) });
  });

  it('a replayed row (mapped from its own fields) reads its cells the same way', () => {
    expect(mapPriceRow({ 品名: '青笋', 价格: '1.8-2.6元/公斤', 日期: '2024-03-05' }, config)).toMatchObject({
      lowPrice: 1.8,
      avgPrice: 2.2,
      highPrice: 2.6,
      unit: '公斤',
    });
  });
});
