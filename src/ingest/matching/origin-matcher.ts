import type { EntityManager } from '@mikro-orm/postgresql';
import { fold } from './normalise.js';

/**
 * Province abbreviations (简称) and names -> GB/T 2260 province codes. Sources
 * write origins as "冀鲁豫" (Xinfadi's `place`), "晋中太谷" or "山西运城临猗".
 */
const PROVINCES: readonly [code: string, name: string, ...abbreviations: string[]][] = [
  ['11', '北京', '京'],
  ['12', '天津', '津'],
  ['13', '河北', '冀'],
  ['14', '山西', '晋'],
  ['15', '内蒙古', '蒙'],
  ['21', '辽宁', '辽'],
  ['22', '吉林', '吉'],
  ['23', '黑龙江', '黑'],
  ['31', '上海', '沪'],
  ['32', '江苏', '苏'],
  ['33', '浙江', '浙'],
  ['34', '安徽', '皖'],
  ['35', '福建', '闽'],
  ['36', '江西', '赣'],
  ['37', '山东', '鲁'],
  ['41', '河南', '豫'],
  ['42', '湖北', '鄂'],
  ['43', '湖南', '湘'],
  ['44', '广东', '粤'],
  ['45', '广西', '桂'],
  ['46', '海南', '琼'],
  ['50', '重庆', '渝'],
  ['51', '四川', '川', '蜀'],
  ['52', '贵州', '贵', '黔'],
  ['53', '云南', '云', '滇'],
  ['54', '西藏', '藏'],
  ['61', '陕西', '陕', '秦'],
  ['62', '甘肃', '甘', '陇'],
  ['63', '青海', '青'],
  ['64', '宁夏', '宁'],
  ['65', '新疆', '新'],
  ['71', '台湾', '台'],
  ['81', '香港', '港'],
  ['82', '澳门', '澳'],
];

/** Division suffixes, longest first, stripped to get the short name (临猗县 -> 临猗). */
const SUFFIXES = ['维吾尔自治区', '壮族自治区', '回族自治区', '自治区', '自治州', '自治县', '特别行政区', '省', '市', '地区', '盟', '县', '区', '旗'];

function shortName(name: string): string {
  for (const suffix of SUFFIXES) {
    if (name.endsWith(suffix) && name.length - suffix.length >= 2) return name.slice(0, -suffix.length);
  }
  return name;
}

/** An origin string resolved: the deepest known region code, and the provinces named when no single region is. */
export interface OriginMatch {
  /** Deepest region code found in the hub's region table; undefined when none. */
  code?: string;
  /** Province codes named (Xinfadi's "冀鲁豫" -> 13, 37, 41), kept for reporting. */
  provinces: string[];
}

interface Division {
  code: string;
  names: string[];
}

/**
 * Origin strings -> region codes, using the hub's own region table (so a code
 * it returns always exists). Reads province, then city, then county, each
 * optional: "山西运城临猗" -> 140821, "临猗县" -> 140821 (county names unique in
 * the province), "晋中太谷" -> 140703. A string naming several provinces gets
 * no code: no single region is the origin.
 */
export class OriginMatcher {
  private readonly cache = new Map<string, OriginMatch>();

  private constructor(
    private readonly known: Set<string>,
    private readonly cities: Division[],
    private readonly counties: Division[],
    /** Origin strings reviewers tied to a region (issue #14), read before any rule. */
    private readonly aliases: Map<string, string> = new Map(),
  ) {}

  /** Loads the province, city and county levels of the region table. */
  static async load(em: EntityManager): Promise<OriginMatcher> {
    const rows = await em
      .getConnection()
      .execute<{ code: string; name: string }[]>(`select code, name from region where level in ('PROVINCE', 'CITY', 'COUNTY')`);
    const division = (r: { code: string; name: string }): Division => ({ code: r.code, names: [...new Set([r.name, shortName(r.name)])] });
    const byLength = (n: number) =>
      rows
        .filter((r) => r.code.length === n)
        .map(division)
        .sort((a, b) => b.names[0].length - a.names[0].length);
    const aliases = await em.getConnection().execute<{ text: string; region_code: string }[]>('select text, region_code from origin_alias');
    return new OriginMatcher(new Set(rows.map((r) => r.code)), byLength(4), byLength(6), new Map(aliases.map((a) => [fold(a.text), a.region_code])));
  }

  /** Resolves one origin string (cached). */
  match(text: string): OriginMatch {
    let found = this.cache.get(text);
    if (!found) {
      found = this.resolve(text);
      this.cache.set(text, found);
    }
    return found;
  }

  private resolve(original: string): OriginMatch {
    const reviewed = this.aliases.get(fold(original));
    if (reviewed) return { code: reviewed, provinces: reviewed.length >= 2 ? [reviewed.slice(0, 2)] : [] };
    let rest = fold(original)
      .replace(/^中国/, '')
      .replace(/[\s,，、·]/g, '');
    const provinces: string[] = [];
    // A run of province names or abbreviations at the start.
    for (let progress = true; progress && rest;) {
      progress = false;
      for (const [code, name, ...abbreviations] of PROVINCES) {
        const word = [`${name}省`, `${name}市`, name, ...abbreviations].find((w) => rest.startsWith(w));
        // An abbreviation only counts when what follows is not itself a place name starting with it (e.g. 新绛).
        if (word && (word.length > 1 || !this.startsDivision(rest))) {
          provinces.push(code);
          rest = rest.slice(word.length).replace(/^(省|市|自治区)/, '');
          progress = true;
          break;
        }
      }
    }
    if (provinces.length > 1) return { provinces };
    const province = provinces[0];
    let code: string | undefined = province && this.known.has(province) ? province : undefined;
    const within = (list: Division[], parent?: string) => list.filter((d) => !parent || d.code.startsWith(parent));
    const city = this.prefixMatch(within(this.cities, province), rest);
    if (city) {
      code = city.division.code;
      rest = rest.slice(city.length);
    }
    const county = rest ? this.prefixMatch(within(this.counties, city?.division.code ?? province), rest) : undefined;
    if (county) code = county.division.code;
    return { code, provinces: province ? [province] : [] };
  }

  private startsDivision(rest: string): boolean {
    return Boolean(this.prefixMatch(this.cities, rest) ?? this.prefixMatch(this.counties, rest));
  }

  /** The division whose name or short name `text` starts with, when exactly one does. */
  private prefixMatch(list: Division[], text: string): { division: Division; length: number } | undefined {
    let found: { division: Division; length: number } | undefined;
    for (const division of list) {
      const name = division.names.find((n) => n.length >= 2 && text.startsWith(n));
      if (!name) continue;
      if (found && found.division.code !== division.code) {
        if (name.length > found.length) found = { division, length: name.length };
        else if (name.length === found.length) return undefined; // ambiguous
      } else found ??= { division, length: name.length };
    }
    return found;
  }
}
