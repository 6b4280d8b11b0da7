/**
 * Price series of the demo history. Price levels follow what the Xinfadi list
 * shows for each fruit (yuan per 斤, averaged over 2013-2016) and typical
 * recent levels for Shanxi staples, meat and herbs (yuan per 公斤). Only these
 * summary levels were derived from the real file; no row of it is copied.
 */

/** Months a product is on the market, inclusive, 1-12; may wrap the new year (`[11, 4]`). */
export type Season = readonly [fromMonth: number, toMonth: number];

export interface OriginData {
  /** Origin as a price list writes it, e.g. "山西运城临猗". */
  text: string;
  /** Region code, when the origin is in Shanxi (the seeded province). */
  region?: string;
}

export interface SeriesData {
  /** Product code. */
  product: string;
  variety?: string;
  /** Name as the market's list writes it; @default the variety, else the product name. */
  rawName?: string;
  /** Average price of the plainest grade, in the market's unit (or `unit` below). */
  price: number;
  /** Months on the market; absent for all-year products. */
  season?: Season;
  /** Grades quoted separately; @default ['普通'] */
  specs?: readonly Spec[];
  origin?: OriginData;
  /** Unit when it differs from the market's (e.g. 个 for coconuts). */
  unit?: string;
  /** Daily standard deviation of the random walk (log scale). @default 0.02 */
  volatility?: number;
  /**
   * Month an all-year product is dearest: stored fruit before the new harvest
   * (July), field vegetables in winter (January). @default 7
   */
  peakMonth?: number;
}

/** Grades and their price relative to 普通 (ordinary). */
export const SPEC_FACTORS = { 普通: 1, 一级: 1.2, 精品: 1.45 } as const;
export type Spec = keyof typeof SPEC_FACTORS;

export interface MarketSeriesData {
  /** Market code. */
  market: string;
  /** Unit prices are quoted per: Xinfadi quotes per 斤 (0.5 kg), Shanxi markets per 公斤. */
  unit: '斤' | '公斤';
  series: readonly SeriesData[];
}

const ALL_GRADES: readonly Spec[] = ['普通', '一级', '精品'];

const LINYI: OriginData = { text: '山西运城临猗', region: '140821' };
const WANRONG: OriginData = { text: '山西运城万荣', region: '140822' };
const JIXIAN: OriginData = { text: '山西临汾吉县', region: '141028' };
const XIXIAN: OriginData = { text: '山西临汾隰县', region: '141031' };
const YUANPING: OriginData = { text: '山西忻州原平', region: '140981' };
const QINGXU: OriginData = { text: '山西太原清徐', region: '140121' };
const TAIGU: OriginData = { text: '山西晋中太谷', region: '140703' };
const JIAOCHENG: OriginData = { text: '山西吕梁交城', region: '141122' };
const LINXIAN: OriginData = { text: '山西吕梁临县', region: '141124' };
const FENYANG: OriginData = { text: '山西吕梁汾阳', region: '141182' };
const QINXIAN: OriginData = { text: '山西长治沁县', region: '140430' };
const PINGYAO: OriginData = { text: '山西晋中平遥', region: '140728' };
const HUNYUAN: OriginData = { text: '山西大同浑源', region: '140225' };
const CHANGZHI: OriginData = { text: '山西长治', region: '1404' };
const YUNZHOU: OriginData = { text: '山西大同云州', region: '140215' };
const KELAN: OriginData = { text: '山西忻州岢岚', region: '140929' };

/** Xinfadi: fruit per 斤, origins as its list writes them (province abbreviations elsewhere). */
const XINFADI: MarketSeriesData = {
  market: 'beijing-xinfadi',
  unit: '斤',
  series: [
    { product: 'apple', variety: '红富士', rawName: '富士', price: 3.3, origin: LINYI },
    { product: 'apple', variety: '嘎啦', price: 2.0, season: [7, 10], origin: WANRONG },
    { product: 'apple', variety: '秦冠', price: 2.2, origin: { text: '陕' } },
    { product: 'apple', variety: '红星', price: 1.9, season: [9, 11], origin: JIXIAN },
    { product: 'apple', variety: '花牛', price: 2.9, season: [9, 5], origin: { text: '甘' } },
    { product: 'apple', variety: '黄元帅', price: 2.25, season: [9, 6], origin: { text: '冀鲁' } },
    { product: 'apple', variety: '国光', price: 1.5, origin: { text: '辽' } },
    { product: 'apple', variety: '王林', price: 1.8, season: [9, 4], origin: { text: '鲁' } },
    { product: 'pear', variety: '酥梨', price: 1.6, origin: YUANPING },
    { product: 'pear', variety: '玉露香', rawName: '玉露香梨', price: 4.2, season: [8, 4], origin: XIXIAN },
    { product: 'pear', variety: '雪花梨', price: 1.7, origin: { text: '冀' } },
    { product: 'pear', variety: '鸭梨', price: 1.6, origin: { text: '冀' } },
    { product: 'pear', variety: '丰水', rawName: '丰水梨', price: 2.4, origin: { text: '鲁' } },
    { product: 'pear', variety: '库尔勒香梨', price: 3.5, origin: { text: '新' } },
    { product: 'pear', variety: '皇冠梨', price: 2.4, origin: { text: '冀' } },
    { product: 'pear', variety: '南果梨', price: 2.7, season: [8, 4], origin: { text: '辽' } },
    { product: 'pear', variety: '红香酥', rawName: '红香酥梨', price: 1.9, origin: { text: '山西运城', region: '1408' } },
    { product: 'banana', rawName: '国产香蕉', price: 2.6, origin: { text: '琼滇' } },
    { product: 'banana', variety: '皇帝蕉', rawName: '国产皇帝香蕉', price: 3.45, origin: { text: '粤' } },
    { product: 'orange', variety: '脐橙', rawName: '赣南脐橙', price: 2.9, season: [11, 5], origin: { text: '赣' } },
    { product: 'orange', variety: '夏橙', price: 2.5, season: [5, 9], origin: { text: '川' } },
    { product: 'orange', variety: '血橙', price: 2.5, season: [12, 4], origin: { text: '渝' } },
    { product: 'mandarin', variety: '蜜桔', price: 1.9, season: [10, 2], origin: { text: '浙' } },
    { product: 'mandarin', variety: '砂糖桔', rawName: '沙糖桔', price: 5.3, season: [11, 3], origin: { text: '桂' } },
    { product: 'mandarin', variety: '芦柑', price: 1.6, season: [11, 5], origin: { text: '闽' } },
    { product: 'mandarin', variety: '不知火', rawName: '丑橘', price: 4.7, season: [12, 5], origin: { text: '川' } },
    { product: 'kumquat', rawName: '小金桔', price: 4.3, season: [10, 4], origin: { text: '桂' } },
    { product: 'pomelo', variety: '蜜柚', price: 1.9, season: [8, 3], origin: { text: '闽' } },
    { product: 'pomelo', variety: '红心蜜柚', price: 3.5, season: [8, 3], origin: { text: '闽' } },
    { product: 'lemon', price: 5.7, origin: { text: '川' } },
    { product: 'papaya', price: 4.0, origin: { text: '琼' } },
    { product: 'grape', variety: '巨峰', rawName: '巨峰葡萄', price: 4.7, origin: { text: '冀' } },
    { product: 'grape', variety: '玫瑰香', price: 2.3, season: [7, 12], origin: { text: '津' } },
    { product: 'grape', variety: '红提', rawName: '红提葡萄', price: 6.4, origin: { text: '滇新' } },
    { product: 'grape', variety: '夏黑', rawName: '黑提葡萄（夏黑）', price: 8.6, season: [5, 9], origin: { text: '滇' } },
    { product: 'grape', variety: '龙眼葡萄', rawName: '龙眼葡萄', price: 2.7, season: [9, 3], origin: QINGXU },
    { product: 'grape', variety: '维多利亚', rawName: '维多利亚葡萄', price: 6.2, season: [5, 9], origin: { text: '冀' } },
    { product: 'grape', variety: '马奶', price: 4.0, season: [8, 12], origin: { text: '新' } },
    { product: 'watermelon', variety: '麒麟', rawName: '麒麟西瓜', price: 2.6, origin: { text: '琼滇' } },
    { product: 'watermelon', variety: '京欣', rawName: '京欣西瓜', price: 1.0, season: [5, 10], origin: { text: '京冀' } },
    { product: 'watermelon', variety: '黑美人', price: 1.95, season: [10, 6], origin: { text: '琼' } },
    { product: 'watermelon', variety: '无籽西瓜', price: 1.9, origin: { text: '琼桂' } },
    { product: 'watermelon', variety: '特小凤', price: 2.2, origin: { text: '琼' } },
    { product: 'melon', variety: '羊角蜜', price: 3.5, season: [3, 10], origin: { text: '冀鲁' } },
    { product: 'melon', variety: '翠宝', rawName: '翠宝甜瓜', price: 4.3, season: [9, 5], origin: { text: '琼' } },
    { product: 'melon', variety: '绿宝', rawName: '绿宝甜瓜', price: 2.6, season: [4, 10], origin: { text: '鲁' } },
    { product: 'melon', variety: '白兰瓜', rawName: '白兰甜瓜', price: 1.7, season: [3, 7], origin: { text: '甘' } },
    { product: 'hami-melon', rawName: '哈密瓜', price: 2.6, origin: { text: '新琼' } },
    { product: 'hami-melon', variety: '西州蜜', price: 2.4, origin: { text: '新' } },
    { product: 'pineapple', rawName: '箱装菠萝', price: 1.9, origin: { text: '琼' } },
    { product: 'mango', variety: '台农', rawName: '熟台农小芒果', price: 7.1, season: [11, 8], origin: { text: '琼' } },
    { product: 'mango', variety: '象牙芒', rawName: '熟象牙芒果', price: 5.1, season: [5, 10], origin: { text: '滇' } },
    { product: 'mango', variety: '凯特', rawName: '凯特芒果', price: 5.2, season: [6, 11], origin: { text: '川' } },
    { product: 'lychee', variety: '妃子笑', price: 8.2, season: [5, 7], origin: { text: '琼粤' } },
    { product: 'lychee', variety: '白蜡', price: 4.0, season: [6, 7], origin: { text: '粤' } },
    { product: 'lychee', variety: '桂味', price: 6.0, season: [6, 7], origin: { text: '粤' } },
    { product: 'coconut', rawName: '椰青/个', price: 6.3, unit: '个', origin: { text: '琼' } },
    { product: 'kiwifruit', variety: '海沃德', rawName: '猕猴桃（海沃德）', price: 4.2, season: [9, 6], origin: { text: '陕' } },
    { product: 'kiwifruit', variety: '徐香', rawName: '猕猴桃（徐香）', price: 4.0, season: [9, 4], origin: { text: '陕' } },
    { product: 'peach', variety: '油桃', price: 4.8, season: [3, 9], origin: { text: '鲁冀' } },
    { product: 'peach', variety: '蟠桃', price: 5.3, season: [4, 9], origin: { text: '京' } },
    { product: 'peach', variety: '水蜜桃', rawName: '四川水蜜桃', price: 10.0, season: [6, 8], origin: { text: '川' } },
    { product: 'peach', variety: '冬桃', price: 2.6, season: [10, 12], origin: { text: '鲁' } },
    { product: 'plum', variety: '布朗', price: 2.8, season: [4, 10], origin: { text: '辽' } },
    { product: 'apricot', variety: '金太阳', rawName: '黄杏(金太阳）', price: 4.4, season: [4, 6], origin: { text: '鲁' } },
    { product: 'apricot', variety: '串红', rawName: '串红杏', price: 1.9, season: [6, 7], origin: { text: '冀' } },
    // Cherries cost ten times what apples do; 美早 are the dearest.
    { product: 'cherry', variety: '红灯', price: 27, season: [3, 6], origin: { text: '鲁辽' }, volatility: 0.03 },
    { product: 'cherry', variety: '美早', price: 40, season: [3, 7], origin: { text: '鲁辽' }, volatility: 0.03 },
    { product: 'cherry', variety: '先锋', rawName: '先锋樱桃', price: 11, season: [4, 7], origin: { text: '鲁' }, volatility: 0.03 },
    { product: 'strawberry', variety: '红颜', rawName: '红颜草莓', price: 12.6, season: [11, 5], origin: { text: '京冀' }, volatility: 0.03 },
    { product: 'strawberry', variety: '甜宝', rawName: '甜宝(奶油)草莓', price: 10.1, season: [12, 5], origin: { text: '京' }, volatility: 0.03 },
    { product: 'pomegranate', rawName: '石榴（四川）', price: 3.3, season: [8, 2], origin: { text: '川' } },
    { product: 'persimmon', variety: '磨盘柿', rawName: '磨盘柿子', price: 1.3, season: [9, 2], origin: { text: '冀' } },
    { product: 'hawthorn', price: 2.1, season: [9, 5], origin: { text: '鲁冀' } },
    { product: 'sugarcane', price: 1.3, season: [9, 4], origin: { text: '桂' } },
    { product: 'fresh-jujube', variety: '冬枣', price: 4.9, season: [8, 2], origin: { text: '冀鲁' } },
    { product: 'fresh-jujube', variety: '马牙枣', price: 5.4, season: [7, 9], origin: { text: '冀' } },
    { product: 'indian-jujube', rawName: '大青枣', price: 5.4, season: [12, 4], origin: { text: '滇' } },
    { product: 'walnut', rawName: '青皮核桃', price: 2.5, season: [7, 9], origin: FENYANG },
    { product: 'chestnut', variety: '油栗', price: 5.1, season: [8, 3], origin: { text: '冀' } },
    { product: 'dried-persimmon', price: 5.5, season: [10, 4], origin: { text: '陕' } },
    { product: 'mulberry', price: 7.5, season: [3, 6], origin: { text: '冀' } },
    { product: 'loquat', rawName: '枇杷果（福建）', price: 8.3, season: [3, 5], origin: { text: '闽' } },
    { product: 'bayberry', price: 7.4, season: [5, 7], origin: { text: '浙' } },
    { product: 'yacon', price: 2.2, season: [9, 4], origin: { text: '滇' } },
    { product: 'cape-gooseberry', rawName: '姑娘果（灯笼果）', price: 6.4, season: [6, 11], origin: { text: '辽' } },
    { product: 'crabapple', price: 1.3, season: [7, 10], origin: { text: '冀' } },
  ],
};

/** Taiyuan Hexi: Shanxi produce per 公斤, several graded. */
const TAIYUAN_HEXI: MarketSeriesData = {
  market: 'taiyuan-hexi',
  unit: '公斤',
  series: [
    { product: 'apple', variety: '红富士', price: 5.6, specs: ALL_GRADES, origin: LINYI },
    { product: 'apple', variety: '嘎啦', price: 4.2, season: [7, 10], origin: WANRONG },
    { product: 'apple', variety: '红星', price: 4.0, season: [9, 12], origin: JIXIAN },
    { product: 'pear', variety: '酥梨', price: 3.0, specs: ['普通', '一级'], origin: YUANPING },
    { product: 'pear', variety: '玉露香', price: 7.5, season: [8, 4], specs: ['一级', '精品'], origin: XIXIAN },
    { product: 'pear', variety: '红香酥', price: 3.6, origin: { text: '山西运城', region: '1408' } },
    { product: 'grape', variety: '龙眼葡萄', rawName: '龙眼', price: 5.0, season: [9, 3], origin: QINGXU },
    { product: 'grape', variety: '巨峰', price: 8.0, season: [7, 11], origin: QINGXU },
    { product: 'jujube', variety: '壶瓶枣', price: 18, specs: ALL_GRADES, origin: TAIGU, volatility: 0.01 },
    { product: 'jujube', variety: '骏枣', price: 16, origin: JIAOCHENG, volatility: 0.01 },
    { product: 'jujube', variety: '木枣', price: 11, origin: LINXIAN, volatility: 0.01 },
    { product: 'walnut', variety: '汾州核桃', price: 24, specs: ['普通', '一级'], origin: FENYANG, volatility: 0.01 },
    { product: 'walnut', variety: '纸皮核桃', price: 30, origin: FENYANG, volatility: 0.01 },
    { product: 'millet', variety: '沁州黄', price: 22, specs: ['普通', '精品'], origin: QINXIAN, volatility: 0.005 },
    { product: 'millet', rawName: '小米', price: 8.5, origin: { text: '山西忻州', region: '1409' }, volatility: 0.008 },
    { product: 'broomcorn-millet', rawName: '黄米', price: 8.0, origin: { text: '山西忻州', region: '1409' }, volatility: 0.008 },
    { product: 'naked-oat', rawName: '莜麦', price: 7.6, origin: { text: '山西大同', region: '1402' }, volatility: 0.008 },
    { product: 'buckwheat', variety: '苦荞', price: 9.6, origin: { text: '山西朔州', region: '1406' }, volatility: 0.008 },
    { product: 'mung-bean', rawName: '绿豆', price: 12, origin: { text: '山西吕梁', region: '1411' }, volatility: 0.008 },
    { product: 'maize', rawName: '玉米', price: 2.4, origin: { text: '山西晋中', region: '1407' }, volatility: 0.008 },
    { product: 'sorghum', variety: '一把抓', rawName: '高粱', price: 3.6, origin: { text: '山西吕梁汾阳', region: '141182' }, volatility: 0.008 },
    { product: 'potato', rawName: '土豆', price: 2.2, origin: { text: '山西朔州', region: '1406' }, volatility: 0.035, peakMonth: 1 },
    { product: 'tomato', rawName: '西红柿', price: 5.0, origin: { text: '山西晋中太谷', region: '140703' }, volatility: 0.04, peakMonth: 1 },
    { product: 'chili-pepper', variety: '线椒', price: 7.0, origin: { text: '山西忻州代县', region: '140923' }, volatility: 0.04, peakMonth: 1 },
    { product: 'daylily', rawName: '黄花菜（干）', price: 52, origin: YUNZHOU, volatility: 0.01 },
    { product: 'chinese-cabbage', rawName: '大白菜', price: 1.6, origin: { text: '山西太原清徐', region: '140121' }, volatility: 0.04, peakMonth: 1 },
    { product: 'scallion', rawName: '大葱', price: 4.0, origin: { text: '山西晋中', region: '1407' }, volatility: 0.035, peakMonth: 1 },
    { product: 'carrot', rawName: '胡萝卜', price: 2.8, origin: { text: '山西大同', region: '1402' }, volatility: 0.03, peakMonth: 1 },
    { product: 'chinese-yam', variety: '铁棍山药', price: 9.0, origin: { text: '河南焦作' } },
    { product: 'beef', rawName: '鲜牛肉', price: 72, specs: ['普通', '一级'], origin: { text: '山西大同', region: '1402' }, volatility: 0.008 },
    { product: 'mutton', rawName: '鲜羊肉', price: 68, origin: KELAN, volatility: 0.008 },
    { product: 'pork', rawName: '白条猪', price: 23, origin: { text: '山西晋中', region: '1407' }, volatility: 0.015 },
    { product: 'frozen-mutton', rawName: '羊肉卷', price: 55, origin: { text: '内蒙古' }, volatility: 0.008 },
    { product: 'cooked-beef', rawName: '平遥牛肉', price: 110, origin: PINGYAO, volatility: 0.004 },
    { product: 'codonopsis', variety: '潞党', rawName: '潞党参', price: 90, specs: ['普通', '一级'], origin: CHANGZHI, volatility: 0.01 },
    { product: 'astragalus', rawName: '黄芪', price: 40, origin: HUNYUAN, volatility: 0.01 },
    { product: 'forsythia', variety: '青翘', price: 45, origin: { text: '山西长治', region: '1404' }, volatility: 0.015 },
    { product: 'bupleurum', rawName: '柴胡', price: 60, origin: { text: '山西运城', region: '1408' }, volatility: 0.01 },
    { product: 'aged-vinegar', rawName: '山西老陈醋', price: 12, specs: ['普通', '精品'], origin: QINGXU, volatility: 0.003 },
    { product: 'banana', price: 5.4, origin: { text: '海南' } },
    { product: 'orange', variety: '脐橙', price: 6.0, season: [11, 5], origin: { text: '江西赣州' } },
    { product: 'watermelon', variety: '京欣', price: 2.4, season: [5, 10], origin: { text: '山西太原清徐', region: '140121' } },
  ],
};

/** Jincheng Lvxin: everyday produce per 公斤. */
const JINCHENG_LVXIN: MarketSeriesData = {
  market: 'jincheng-lvxin',
  unit: '公斤',
  series: [
    { product: 'apple', variety: '红富士', price: 5.8, origin: WANRONG },
    { product: 'pear', variety: '酥梨', price: 3.2, origin: YUANPING },
    { product: 'banana', price: 5.6, origin: { text: '广西' } },
    { product: 'orange', variety: '脐橙', price: 6.2, season: [11, 5], origin: { text: '江西赣州' } },
    { product: 'watermelon', variety: '京欣', price: 2.6, season: [5, 10], origin: { text: '河南' } },
    { product: 'potato', rawName: '土豆', price: 2.4, volatility: 0.035, peakMonth: 1 },
    { product: 'tomato', rawName: '西红柿', price: 5.4, volatility: 0.04, peakMonth: 1 },
    { product: 'chinese-cabbage', rawName: '大白菜', price: 1.7, volatility: 0.04, peakMonth: 1 },
    { product: 'scallion', rawName: '大葱', price: 4.2, volatility: 0.035, peakMonth: 1 },
    { product: 'carrot', rawName: '胡萝卜', price: 3.0, volatility: 0.03, peakMonth: 1 },
    { product: 'chili-pepper', rawName: '尖椒', price: 6.5, volatility: 0.04, peakMonth: 1 },
    { product: 'pork', rawName: '白条猪', price: 23.5, volatility: 0.015 },
    { product: 'beef', rawName: '鲜牛肉', price: 74, volatility: 0.008 },
    { product: 'mutton', rawName: '鲜羊肉', price: 70, volatility: 0.008 },
    { product: 'millet', rawName: '小米', price: 9.0, volatility: 0.008 },
  ],
};

/** Origin markets: farm-gate prices per 公斤 of their speciality, by grade. */
const ORIGIN_MARKETS: readonly MarketSeriesData[] = [
  {
    market: 'linyi-apple',
    unit: '公斤',
    series: [
      { product: 'apple', variety: '红富士', price: 4.0, specs: ALL_GRADES, origin: LINYI },
      { product: 'apple', variety: '嘎啦', price: 3.2, season: [7, 10], specs: ['普通', '一级'], origin: LINYI },
      { product: 'apple', variety: '秦冠', price: 2.4, origin: LINYI },
    ],
  },
  {
    market: 'wanrong-apple',
    unit: '公斤',
    series: [{ product: 'apple', variety: '红富士', price: 4.1, specs: ALL_GRADES, origin: WANRONG }],
  },
  {
    market: 'taigu-jujube',
    unit: '公斤',
    series: [{ product: 'jujube', variety: '壶瓶枣', price: 13, specs: ALL_GRADES, origin: TAIGU, volatility: 0.01 }],
  },
];

export const DEMO_PRICE_SERIES: readonly MarketSeriesData[] = [XINFADI, TAIYUAN_HEXI, JINCHENG_LVXIN, ...ORIGIN_MARKETS];
