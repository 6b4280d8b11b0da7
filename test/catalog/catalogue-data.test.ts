import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CATALOGUE_DIR, CATEGORIES, CatalogueDataError, PRODUCTS, readCatalogue } from '../../seeds/catalog.data.js';

/**
 * The catalogue files under seeds/catalogue (issue #14): grounded in NY/T
 * 3177-2018, covering what Chinese wholesale markets and platforms trade, and
 * checked so that a name can never be given to two products.
 */
const classOf = new Map(CATEGORIES.map((c) => [c.code, c]));
const productsIn = (classCode: string) => PRODUCTS.filter((p) => p.category === classCode);

describe('the catalogue files', () => {
  it('hold several hundred products and thousands of trade names', () => {
    const names = PRODUCTS.reduce((n, p) => n + 1 + (p.aliases?.length ?? 0) + (p.varieties ?? []).reduce((m, v) => m + v.length, 0), 0);
    expect(PRODUCTS.length).toBeGreaterThanOrEqual(400);
    expect(names).toBeGreaterThanOrEqual(2500);
  });

  it.each([
    ['010401', '根菜类'],
    ['010402', '白菜类'],
    ['010403', '甘蓝类'],
    ['010404', '芥菜类'],
    ['010405', '茄果类'],
    ['010406', '豆类(蔬菜)'],
    ['010407', '瓜类(蔬菜)'],
    ['010408', '葱蒜类'],
    ['010409', '叶菜类'],
    ['010410', '薯芋类'],
    ['010411', '水生蔬菜'],
    ['010412', '多年生蔬菜'],
    ['010413', '芽苗类'],
    ['0106', '食用菌'],
  ])('covers the vegetable class %s %s of NY/T 3177-2018 with products', (code, name) => {
    const classes = CATEGORIES.filter((c) => c.standardCode === code || (c.standardCode?.startsWith(code) && code.length === 4));
    expect(classes.map((c) => c.name)).toContain(name);
    expect(classes.flatMap((c) => productsIn(c.code)).length).toBeGreaterThanOrEqual(3);
  });

  it.each(['fruit', 'meat', 'poultry-egg', 'aquatic', 'grain', 'oilseed', 'soy-product', 'condiment', 'edible-oil', 'medicinal-herb', 'dried-fruit-nut'])(
    'covers the sector %s',
    (sector) => {
      const classes = CATEGORIES.filter((c) => c.code === sector || c.parent === sector).map((c) => c.code);
      expect(PRODUCTS.filter((p) => classes.includes(p.category)).length).toBeGreaterThanOrEqual(3);
    },
  );

  it('codes every class of a coded sector by extending the sector code, and says where each code comes from', () => {
    for (const c of CATEGORIES) {
      expect(['NY/T 3177-2018', 'hub']).toContain(c.standard);
      const parent = c.parent ? classOf.get(c.parent) : undefined;
      if (c.standard === 'NY/T 3177-2018') expect(c.standardCode).toMatch(/^\d{4}(\d{2})?$/);
      if (parent?.standardCode) expect(c.standardCode?.startsWith(parent.standardCode)).toBe(true);
      if (c.standard === 'hub') expect(c.standardCode).toBeUndefined();
    }
    for (const p of PRODUCTS) expect(classOf.has(p.category)).toBe(true);
  });

  it('keeps the product codes other data and tests refer to', () => {
    const codes = new Set(PRODUCTS.map((p) => p.code));
    const legacy = [
      'apple',
      'pear',
      'banana',
      'orange',
      'mandarin',
      'kumquat',
      'pomelo',
      'lemon',
      'papaya',
      'grape',
      'watermelon',
      'melon',
      'hami-melon',
      'pineapple',
      'mango',
      'lychee',
      'coconut',
      'kiwifruit',
      'peach',
      'plum',
      'apricot',
      'cherry',
      'strawberry',
      'pomegranate',
      'persimmon',
      'hawthorn',
      'mulberry',
      'sugarcane',
      'crabapple',
      'loquat',
      'bayberry',
      'cape-gooseberry',
      'yacon',
      'pitaya',
      'indian-jujube',
      'potato',
      'tomato',
      'chili-pepper',
      'daylily',
      'chinese-cabbage',
      'scallion',
      'carrot',
      'chinese-yam',
      'millet',
      'broomcorn-millet',
      'naked-oat',
      'buckwheat',
      'sorghum',
      'mung-bean',
      'maize',
      'beef',
      'mutton',
      'pork',
      'frozen-beef',
      'frozen-mutton',
      'cooked-beef',
      'codonopsis',
      'astragalus',
      'forsythia',
      'bupleurum',
      'polygala',
      'jujube',
      'walnut',
      'chestnut',
      'dried-persimmon',
      'aged-vinegar',
      'fenjiu',
      'yellow-wine',
    ];
    expect(legacy.filter((c) => !codes.has(c))).toEqual([]);
  });

  it('puts the names the issue names in the classes the standard puts them in', () => {
    const product = (name: string) => PRODUCTS.find((p) => p.name === name || p.aliases?.includes(name) || p.varieties?.some((v) => v.includes(name)));
    expect(product('大白菜')?.category).toBe('veg-chinese-cabbage');
    for (const name of ['小白菜', '奶白菜', '鸡毛菜', '上海青']) expect(product(name)?.code).toBe('bok-choy');
    for (const name of ['圆白菜', '洋白菜', '包菜', '结球甘蓝', '甘蓝']) expect(product(name)?.code).toBe('cabbage');
    expect(classOf.get(product('圆白菜')!.category)?.standardCode).toBe('010403');
    expect(classOf.get(product('小白菜')!.category)?.standardCode).toBe('010402');
    expect(product('番杏')?.category).toBe('veg-leafy');
  });
});

describe('reading catalogue files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalogue-')) + path.sep;
    for (const file of ['classes.csv', 'products.csv', 'varieties.csv']) fs.copyFileSync(CATALOGUE_DIR + file, dir + file);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the committed files as they are', () => {
    expect(readCatalogue(dir).products).toHaveLength(PRODUCTS.length);
  });

  it('refuses a name given to two products, naming the file and line', () => {
    fs.appendFileSync(dir + 'products.csv', 'napa-typo,黄芽白菜,Napa (typo),veg-chinese-cabbage,小白菜,,\n');
    const lines = fs
      .readFileSync(dir + 'products.csv', 'utf8')
      .trimEnd()
      .split('\n').length;
    expect(() => readCatalogue(dir)).toThrow(CatalogueDataError);
    expect(() => readCatalogue(dir)).toThrow(`products.csv:${lines}: "小白菜" already names product "bok-choy"`);
  });

  it('refuses a variety named like another product, an unknown class and a malformed cold-chain range', () => {
    fs.appendFileSync(dir + 'varieties.csv', 'grape,龙眼,\n');
    fs.appendFileSync(dir + 'products.csv', 'moon-fruit,月亮果,Moon fruit,fruit-lunar,,,4..1\n');
    let error: CatalogueDataError | undefined;
    try {
      readCatalogue(dir);
    } catch (e) {
      error = e as CatalogueDataError;
    }
    expect(error?.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^varieties\.csv:\d+: variety name "龙眼" is the name of product "longan"$/),
        expect.stringMatching(/^products\.csv:\d+: unknown class "fruit-lunar"$/),
        expect.stringMatching(/^products\.csv:\d+: cold_chain must be "min\.\.max" in °C, got "4\.\.1"$/),
      ]),
    );
  });
});
