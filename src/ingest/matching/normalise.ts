/**
 * Normalisation of product names as price lists and platforms write them, so
 * that `富士（纸袋Φ85以上）`, `花牛(Φ70-85)`, `箱装菠萝（上六下六）`, `椰青/个`
 * and `鄂、湘、川脐橙` meet the catalogue's `富士`, `花牛`, `菠萝`, `椰青` and
 * `脐橙`. Every step keeps what it removed (spec, unit, origin), since that is
 * information the source gave.
 */

/** Packaging and grade words that say how something is sold, not what it is. */
const PACKAGING_SUFFIXES = ['系列', '系'];
const PACKAGING = ['精品', '特级', '一级', '二级', '优质', '散装', '箱装', '盒装', '袋装', '筐装', '礼盒', '精装', '简装', '进口', '国产', '新货', '新'];

/** Ripeness and state prefixes (生台农小芒果 = unripe 台农 mango). */
const STATE_PREFIXES = ['生', '熟'];

/**
 * Province abbreviations (简称) and common origin country names that sources put in
 * front of a name (`鄂、湘、川脐橙`, `泰国香蕉`, `南美、菲律宾香蕉`).
 */
const ORIGIN_WORDS = [
  '泰国', '越南', '菲律宾', '南美', '智利', '美国', '新西兰', '澳洲', '澳大利亚', '台湾', '海南', '云南', '广西', '广东', '福建',
  '四川', '新疆', '山东', '陕西', '山西', '河北', '河南', '辽宁', '江西', '浙江', '湖南', '湖北', '甘肃', '宁夏', '烟台', '赣南',
];
const PROVINCE_ABBREVIATIONS = '京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新港澳台';

/** Sizes and weights: Φ85以上, Ф70-Ф95, 70mm, 500g, 上六下六... */
const SIZE = /([ΦФφ]\s*\d+[^\u4e00-\u9fa5]*(以上|以下)?)|(\d+(\.\d+)?\s*(mm|cm|g|kg|克|斤|公斤|两)\b)|(\d+[-~]\d+\s*(mm|cm|g|kg|克)?)|上[一二三四五六七八九十\d]+下[一二三四五六七八九十\d]+/gi;

export interface NormalisedName {
  /** The name as given, full-width folded to half-width and trimmed. */
  folded: string;
  /** The core name: no brackets, sizes, packaging, origins or unit. */
  core: string;
  /** Text taken out of brackets or sizes (the source's spec). */
  spec?: string;
  /** A per-unit suffix (`椰青/个` -> `个`). */
  unit?: string;
  /** An origin word or province abbreviations found in front of or inside the name. */
  origin?: string;
  /** Names the source joined with `/` (`血橙/二月红/中华红`), each a core name. */
  alternatives: string[];
}

/** Count units a name may end with (`椰青/个`, `向日葵/盘`): the price is per that unit. */
const COUNT_UNITS = ['个', '只', '盘', '箱', '盒', '袋', '件', '筐', '把', '束', '根', '枚', '粒', '条', '株', '头', '串', '份', '斤', '公斤', '千克', 'kg'];

/** Folds full-width characters to half-width (NFKC) and collapses blanks. */
export function fold(value: string): string {
  return value.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/** Splits a source's product name into its core name and the spec, unit and origin it carries. */
export function normaliseName(raw: string): NormalisedName {
  const folded = fold(raw);
  let name = folded;
  const specs: string[] = [];
  let unit: string | undefined;
  let origin: string | undefined;

  // Bracketed text: spec, packaging or place (石榴（云南）).
  name = name.replace(/[(\[【{<]([^)\]】}>]*)[)\]】}>]/g, (_, inner: string) => {
    const content = inner.trim();
    if (content) {
      if (ORIGIN_WORDS.includes(content)) origin = content;
      else specs.push(content);
    }
    return '';
  });
  // "/个", "/箱", "/斤": a per-unit price.
  name = name.replace(/\/\s*([\u4e00-\u9fa5a-z]{1,3})$/i, (match, u: string) => {
    if (!COUNT_UNITS.includes(u.toLowerCase())) return match;
    unit = u;
    return '';
  });
  name = name.replace(SIZE, (match) => {
    specs.push(match.trim());
    return '';
  });
  // Leading province abbreviations joined by 、 or ・ (鄂、湘、川脐橙).
  const abbreviations = new RegExp(`^([${PROVINCE_ABBREVIATIONS}][、,，.・·/])+[${PROVINCE_ABBREVIATIONS}]`);
  name = name.replace(abbreviations, (match) => {
    origin = match;
    return '';
  });
  // Origin words in front, possibly several joined by 、 (南美、菲律宾香蕉).
  for (let changed = true; changed; ) {
    changed = false;
    for (const word of ORIGIN_WORDS) {
      if (name.startsWith(word) && name.length > word.length + 0) {
        origin = origin ? `${origin}${word}` : word;
        name = name.slice(word.length).replace(/^[、,，.・·/\s]+/, '');
        changed = true;
      }
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const word of PACKAGING) {
      if (name.startsWith(word) && name.length > word.length + 1) {
        specs.push(word);
        name = name.slice(word.length);
        changed = true;
      }
    }
  }
  for (const prefix of STATE_PREFIXES) {
    if (name.startsWith(prefix) && name.length >= 3) {
      specs.push(prefix);
      name = name.slice(prefix.length);
    }
  }
  for (const suffix of PACKAGING_SUFFIXES) {
    if (name.endsWith(suffix) && name.length > suffix.length + 1) {
      specs.push(suffix);
      name = name.slice(0, -suffix.length);
    }
  }
  // "杏：凯特": product, then variety.
  const colon = /^([\u4e00-\u9fa5]{1,4})[:：]([\u4e00-\u9fa5\w]{2,})$/.exec(name);
  // Names joined by /, 、 or . (血橙/二月红/中华红, 风光、甜王, 特小凤.小兰): each may be the catalogue's.
  const parts = name.split(/[/、.,，]/).map((part) => part.trim()).filter((part) => part.length >= 2);
  const alternatives = colon ? [colon[2] + colon[1], colon[2]] : parts.length > 1 ? parts : [];
  const core = name.replace(/[\s、,，.・·\-_/]+/g, '').trim() || folded;
  return { folded, core, spec: specs.length ? specs.join(' ') : undefined, unit, origin, alternatives };
}

/** The key a name is looked up by: folded, without blanks or punctuation, lower case. */
export function lookupKey(value: string): string {
  return fold(value).replace(/[\s、,，.・·\-_/()（）]+/g, '').toLowerCase();
}
