import { mapPriceRow } from '../../connectors/wholesale-prices/mapper.js';

/**
 * A price list's own category (Xinfadi's 一级分类 in its exports, `prodCat` in its web API, a board's 分类 or 类别)
 * travels with the record to the matcher, which sends a match into another sector to review (issue #14, round 4;
 * the veto itself is tested in test/matching/product-matcher.test.ts).
 */
const config = { market: 'beijing-xinfadi', marketCodes: {} };

describe("a price list's category column", () => {
  it.each([
    [{ 一级分类: '干鲜', 品名: '红辣椒', 平均价: '12', 单位: '斤', 发布日期: '2021-07-01' }, '干鲜'],
    [{ 分类: '蔬菜', 品名: '番杏', 平均价: '3', 单位: '斤', 日期: '2021-07-01' }, '蔬菜'],
    [{ prodCat: '水果', prodName: '红玉', avgPrice: '2.5', unitInfo: '斤', pubDate: '2021-07-01 00:00:00' }, '水果'],
  ])('is carried on the record (%o)', (row, category) => {
    expect(mapPriceRow(row, config)).toMatchObject({ kind: 'price', category });
  });

  it('is absent when the list has none', () => {
    expect(mapPriceRow({ 品名: '苹果', 平均价: '3', 单位: '斤', 发布日期: '2021-07-01' }, config)).toMatchObject({ kind: 'price', category: undefined });
  });
});
