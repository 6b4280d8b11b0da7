/**
 * Normalisation of product names as price lists and platforms write them
 * (issue #14). A name carries, around the product, words that say how it is
 * sold, not what it is: a spec in brackets (`胡萝卜（洗）`, `花牛(Φ70-85)`), a
 * size (`Φ85以上`, `750g-1000g`), a unit (`椰青/个`), a grade or package
 * (`精品`, `特级`, `箱装`), a state or process (`生`, `冻`, `活`, `洗`, `泥`),
 * a way of growing (`露地`, `大棚`), an origin (`泰国`, `鄂、湘、川`, `本地`) or
 * a brand (`金龙鱼`, `古船`). Those qualifiers are listed here, word by word,
 * and the matcher strips them only to look the rest up exactly: a qualifier
 * list never decides what a product is, it only lets `圆白菜(陆地)` meet
 * `圆白菜`. Size words that are part of names (`小白菜`, `大葱`, `小米`) are
 * deliberately not qualifiers.
 */

import * as OpenCC from 'opencc-js/t2cn';

/** Traditional -> simplified characters (OpenCC), so that 川紅桔, 蘋果 and 蘿蔔 meet 川红桔, 苹果 and 萝卜. */
const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });

/** Grade, package, state, process and cultivation words a name may start with. */
const PREFIX_QUALIFIERS = [
  '精品',
  '特级',
  '特等',
  '一级',
  '二级',
  '三级',
  '一等',
  '二等',
  '优级',
  '优质',
  '优等',
  '普通',
  '统货',
  '通货',
  '标准',
  '散装',
  '箱装',
  '盒装',
  '袋装',
  '筐装',
  '框装',
  '网袋',
  '礼盒',
  '精装',
  '简装',
  '净菜',
  '小包装',
  '新鲜',
  '冰鲜',
  '冷鲜',
  '冷冻',
  '速冻',
  '鲜活',
  '鲜',
  '冻',
  '活',
  '生',
  '熟',
  '有机',
  '绿色',
  '无公害',
  '仿野生',
  '野生',
  '养殖',
  '非转基因',
  '转基因',
  '反季',
  '头茬',
  '新',
  '大棚',
  '露地',
  '陆地',
  '温室',
  '去皮',
  '去骨',
  '带骨',
  '带皮',
  '去头',
  '带头',
  '精选',
  '精',
  '水洗',
  '净',
  '本地',
  '外地',
  // Round 3 (issue #14): 当地/本市/地产 (local, as Qingdao and Jiangsu boards write it), grades and ways of selling.
  '当地',
  '本市',
  '市产',
  '地产',
  '特选',
  '上等',
  '中等',
  '等外',
  '统装',
  '散称',
  '冰冻',
  '鲜冻',
  '冻品',
  '时令',
  '新季',
  '农家',
  // What buyers' lists write (a Wuhan caterer's): prepared for grilling, slaughtered and dressed (光 = plucked), "good", with the stem.
  '烧烤',
  '杀好',
  '光鲜',
  '光',
  '好',
  '带枝',
];

/** The same kind of words at the end of a name (`白萝卜露地`, `红香酥梨系列`, `胡萝卜洗`). */
const SUFFIX_QUALIFIERS = [
  '露地',
  '陆地',
  '大棚',
  '棚',
  '温室',
  '洗',
  '泥',
  '净',
  '精品',
  '特级',
  '一级',
  '二级',
  '统货',
  '通货',
  '普通',
  '散装',
  '箱装',
  '袋装',
  '盒装',
  '系列',
  '系',
  '鲜',
  '冻',
  '去皮',
  '去骨',
  '带骨',
  '带皮',
  '水洗',
  '精选',
  '统货',
  // `白鲢活鱼`, `花鲢活鱼` (the ministry of commerce's series): the fish, sold live.
  '活鱼',
  '统装',
  '散称',
  '冻品',
  '冰鲜',
  '鲜活',
  '特选',
  // Cut shapes and stems (`豆腐块`, `土豆丝`, `竹叶菜梗`): only before a rest of two or more characters (粉丝 is no 粉).
  '块',
  '丁',
  '丝',
  '梗',
];

/** Size grades written inside names (`无籽小号-大号`); sizes are specs, not products. */
const SIZE_WORDS = /特大号|大号|中号|小号|大果|中果|小果|大个|中个|小个/g;

/**
 * Origins written in front of names: provinces (full names), regions, famous
 * producing places and countries, and the trade words for origin (国产, 进口,
 * 本地). Single-character province abbreviations count only as a list with
 * separators (`鄂、湘、川`), since 黑 (黑龙江) starts 黑美人 and 京 starts 京欣.
 */
export const ORIGIN_WORDS = [
  '内蒙古',
  '黑龙江',
  '北京',
  '天津',
  '河北',
  '山西',
  '内蒙',
  '辽宁',
  '吉林',
  '上海',
  '江苏',
  '浙江',
  '安徽',
  '福建',
  '江西',
  '山东',
  '河南',
  '湖北',
  '湖南',
  '广东',
  '广西',
  '海南',
  '重庆',
  '四川',
  '贵州',
  '云南',
  '西藏',
  '陕西',
  '甘肃',
  '青海',
  '宁夏',
  '新疆',
  '台湾',
  '香港',
  '澳门',
  '东北',
  '西北',
  '华北',
  '华南',
  '南方',
  '北方',
  '烟台',
  '莱阳',
  '砀山',
  '平谷',
  '沧州',
  '章丘',
  '寿光',
  '吐鲁番',
  '库尔勒',
  '赣南',
  '洛川',
  '灵宝',
  '静宁',
  '天水',
  '沾化',
  '黄骅',
  '五常',
  '盘锦',
  '方正',
  '兴安盟',
  '宁夏中宁',
  '中宁',
  '涪陵',
  '潍坊',
  '大连',
  '丹东',
  '临猗',
  '万荣',
  '运城',
  '太谷',
  '隰县',
  '泰国',
  '越南',
  '菲律宾',
  '南美洲',
  '南美',
  '智利',
  '美国',
  '新西兰',
  '澳洲',
  '澳大利亚',
  '秘鲁',
  '南非',
  '加拿大',
  '日本',
  '韩国',
  '墨西哥',
  '挪威',
  '厄瓜多尔',
  '马来西亚',
  '印尼',
  '印度尼西亚',
  '缅甸',
  '以色列',
  '西班牙',
  '意大利',
  '阿根廷',
  '俄罗斯',
  '巴西',
  '老挝',
  '柬埔寨',
  '国产',
  '进口',
  '本地',
  '当地',
  '本市',
  '境外',
  '外地',
  '本省',
  '省内',
  '外省',
].sort((a, b) => b.length - a.length);

/** Nationally known grain, oil, condiment and food brands that price lists put in front of a product name. */
export const BRAND_WORDS = [
  '金龙鱼',
  '福临门',
  '鲁花',
  '古船',
  '五得利',
  '首农',
  '北大荒',
  '多力',
  '元宝',
  '汇福',
  '九三',
  '中粮',
  '香满园',
  '十月稻田',
  '柴火大院',
  '王致和',
  '龙门',
  '海天',
  '李锦记',
  '太太乐',
  '恒顺',
  '东古',
  '双汇',
  '雨润',
  '金锣',
  '圣农',
  '温氏',
  '正大',
  '德青源',
  '长寿花',
  '西王',
  '胡姬花',
  '刀唛',
  '金健',
  '想念',
  '今麦郎',
  '克明',
  '陈克明',
  '一品鲜',
  '莲花',
  '珍极',
  '槐茂',
  '燕山',
  '安琪',
  '王守义',
].sort((a, b) => b.length - a.length);

const PROVINCE_ABBREVIATIONS = '京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新港澳台';
const ABBREVIATION_LIST = new RegExp(`^([${PROVINCE_ABBREVIATIONS}][、,，.・·/])+[${PROVINCE_ABBREVIATIONS}]`);
const SEPARATORS = /^[、,，.・·/\s]+/;

/** Sizes and weights: Φ85以上, Ф70-Ф95, 70mm, 500g, 750g-1000g, 上六下六, <2000g. */
const SIZE =
  /([ΦФφ]\s*\d+[^\u4e00-\u9fa5]*(以上|以下)?)|([<>≤≥]?\d+(\.\d+)?\s*(mm|cm|g|kg|克|斤|公斤|两|头)?\s*[-~]\s*\d+(\.\d+)?\s*(mm|cm|g|kg|克|斤|公斤|两|头))|([<>≤≥]?\d+(\.\d+)?\s*(mm|cm|g|kg|ml|l|克|公斤|千克)(左右|以上|以下)?(?![\u4e00-\u9fa5]))|上[一二三四五六七八九十\d]+下[一二三四五六七八九十\d]+/gi;

export interface NormalisedName {
  /** The name as given, full-width folded to half-width and trimmed. */
  folded: string;
  /** The core name: no brackets, sizes, qualifiers, origins or unit. */
  core: string;
  /** Text taken out of brackets or sizes (the source's spec). */
  spec?: string;
  /** Bracketed parts, each on its own (`丑橘(不知火、春见)` -> `不知火、春见`): they may name the variety. */
  brackets: string[];
  /** A per-unit suffix (`椰青/个` -> `个`). */
  unit?: string;
  /** An origin word or province abbreviations found in front of or inside the name. */
  origin?: string;
  /** Names the source joined with `/`, `、` or `.` (`血橙/二月红/中华红`), each a core name. */
  alternatives: string[];
}

/** A count of pieces written into a name (`鲫鱼2条`, `仔鸡10只`, `武昌鱼36条`): an order quantity, not the product. */
const PIECE_COUNT = /\d+(\.\d+)?\s*(条|只|个|袋|包|箱|份|颗|把|盒|瓶|罐|件|斤|两)(?![\u4e00-\u9fa5])/g;

/** Count units a name may end with (`椰青/个`, `向日葵/盘`): the price is per that unit. */
const COUNT_UNITS = ['个', '只', '盘', '箱', '盒', '袋', '件', '筐', '把', '束', '根', '枚', '粒', '条', '株', '头', '串', '份', '斤', '公斤', '千克', 'kg'];

/** Folds full-width characters to half-width (NFKC), traditional characters to simplified, and collapses blanks. */
export function fold(value: string): string {
  // Zero-width characters and a stray BOM (a list's first cell) carry nothing.
  const folded = value
    .normalize('NFKC')
    .replace(/[\u200b-\u200f\u2060\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return /[\u4e00-\u9fff]/.test(folded) ? toSimplified(folded) : folded;
}

/** The key a name is looked up by: folded, without blanks or punctuation, lower case. */
export function lookupKey(value: string): string {
  return fold(value)
    .replace(/[\s、,，.・·\-_/()（）:：'"“”]+/g, '')
    .toLowerCase();
}

/** Takes bracketed text, the per-unit suffix and sizes off a folded name. @internal */
export function stripSpecs(folded: string): { name: string; brackets: string[]; specs: string[]; unit?: string } {
  const brackets: string[] = [];
  const specs: string[] = [];
  let unit: string | undefined;
  let name = folded.replace(/[([【{<〔]([^)\]】}>〕]*)[)\]】}>〕]?/g, (_, inner: string) => {
    if (inner.trim()) brackets.push(inner.trim());
    return '';
  });
  name = name.replace(/(?:\/|\s)\s*([\u4e00-\u9fa5a-z]{1,3})$/i, (match, u: string) => {
    if (!COUNT_UNITS.includes(u.toLowerCase())) return match;
    unit = u;
    return '';
  });
  name = name.replace(PIECE_COUNT, (match) => {
    specs.push(match.trim());
    return '';
  });
  name = name.replace(SIZE, (match) => {
    specs.push(match.trim());
    return '';
  });
  name = name.replace(SIZE_WORDS, (match) => {
    specs.push(match);
    return '';
  });
  // What sizes leave behind: dangling dashes and separators.
  name = name.replace(/^[-~\s、,，./]+|[-~\s、,，./]+$/g, '').replace(/\s*-\s*/g, '');
  return { name, brackets, specs, unit };
}

/** One way of taking a qualifier off a name, with what was taken. */
export interface Stripped {
  rest: string;
  /** The qualifier taken (`精品`, `泰国`, `金龙鱼`), for the evidence. */
  taken: string;
  kind: 'qualifier' | 'origin' | 'brand';
}

/**
 * Every single qualifier that can be taken off the front or back of `name`
 * (the rest keeps at least one character). The matcher explores these
 * breadth-first and accepts a rest only when it is exactly a catalogue name.
 * @internal
 */
export function strippings(name: string): Stripped[] {
  const out: Stripped[] = [];
  const push = (rest: string, taken: string, kind: Stripped['kind']) => {
    const trimmed = rest.replace(SEPARATORS, '').replace(/[、,，.・·/\s]+$/, '');
    if (trimmed && trimmed !== name) out.push({ rest: trimmed, taken, kind });
  };
  const abbreviations = ABBREVIATION_LIST.exec(name);
  if (abbreviations) push(name.slice(abbreviations[0].length), abbreviations[0], 'origin');
  for (const word of ORIGIN_WORDS) if (name.startsWith(word) && name.length > word.length) push(name.slice(word.length), word, 'origin');
  for (const word of BRAND_WORDS) if (name.startsWith(word) && name.length > word.length) push(name.slice(word.length), word, 'brand');
  const brand = /^[\u4e00-\u9fa5]{1,4}牌/.exec(name);
  if (brand && name.length > brand[0].length) push(name.slice(brand[0].length), brand[0], 'brand');
  for (const word of PREFIX_QUALIFIERS) if (name.startsWith(word) && name.length > word.length) push(name.slice(word.length), word, 'qualifier');
  for (const word of SUFFIX_QUALIFIERS) {
    // One-character cut words only before two or more characters: 粉丝 is no 粉, 笋丝 no 笋.
    if (name.endsWith(word) && name.length > word.length + (word.length === 1 && '块丁丝梗'.includes(word) ? 1 : 0))
      push(name.slice(0, -word.length), word, 'qualifier');
  }
  // Minced meat (`猪肉末`, `五花肉沫`, `肉馅`): the meat.
  const minced = /肉(末|沫|馅|碎)$/.exec(name);
  if (minced && name.length > 2) push(name.slice(0, -1), minced[1], 'qualifier');
  return out;
}

/** Splits a source's product name into its core name and the spec, unit and origin it carries. */
export function normaliseName(raw: string): NormalisedName {
  const folded = fold(raw);
  const { name, brackets, specs, unit } = stripSpecs(folded);
  let origin: string | undefined;
  // The core: qualifiers, origins and brands off both ends, as far as they go.
  let core = name.replace(/\s+/g, '');
  for (let progress = true; progress;) {
    progress = false;
    const first = strippings(core)[0];
    if (first && first.rest.length >= 2) {
      if (first.kind === 'origin') origin = origin ? origin + first.taken : first.taken;
      else specs.push(first.taken);
      core = first.rest;
      progress = true;
    }
  }
  for (const inner of brackets) if (ORIGIN_WORDS.includes(inner)) origin ??= inner;
  const parts = core
    .split(/[/、.,，・·]/)
    .map((part) => part.trim())
    .filter((part) => part.length >= 2);
  const colon = /^([\u4e00-\u9fa5]{1,4})[:：]([\u4e00-\u9fa5\w]{2,})$/.exec(core);
  const alternatives = colon ? [colon[2] + colon[1], colon[2]] : parts.length > 1 ? parts : [];
  const compact = core.replace(/[\s、,，.・·\-_/:：]+/g, '') || folded;
  const spec = [...brackets.filter((b) => !ORIGIN_WORDS.includes(b)), ...specs];
  return { folded, core: compact, spec: spec.length ? spec.join(' ') : undefined, brackets, unit, origin, alternatives };
}
