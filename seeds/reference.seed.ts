import type { EntityManager } from '@mikro-orm/postgresql';
import { Courier } from '../src/logistics/courier.entity.js';
import { FilingStatus, LogisticsNodeKind } from '../src/logistics/logistics-enums.js';
import { LogisticsNode } from '../src/logistics/logistics-node.entity.js';
import { Market } from '../src/markets/market.entity.js';
import { Region } from '../src/regions/region.entity.js';
import { RegionLevel } from '../src/regions/region-level.js';
import { COUNTY_NETWORKS, COURIERS, MARKETS, TOWNSHIP_OPERATORS, type CountyNetworkData } from './reference.data.js';

type NodeRow = Pick<LogisticsNode, 'code' | 'name' | 'kind' | 'filingStatus'> & {
  region: Region;
  operator: Courier | null;
  filingNo: string | null;
  filedOn: string | null;
};

/**
 * Upserts markets, couriers and logistics nodes (by code). The nodes sit in
 * real townships and villages read from `region`, so seedRegions must run first.
 */
export async function seedMarketsAndLogistics(em: EntityManager): Promise<void> {
  await em.transactional(async (tx) => {
    const regionCodes = [...MARKETS.flatMap((m) => (m.region ? [m.region] : [])), ...COUNTY_NETWORKS.map((c) => c.county), ...EXTRA_NODE_REGIONS];
    const regions = await requireRegions(tx, regionCodes);

    await tx.upsertMany(
      Market,
      MARKETS.map((m) => ({
        code: m.code,
        name: m.name,
        channel: m.channel,
        region: m.region ? regions.get(m.region)! : null,
        address: m.address ?? null,
        longitude: m.longitude ?? null,
        latitude: m.latitude ?? null,
      })),
      { onConflictFields: ['code'] },
    );
    const couriers = await tx.upsertMany(
      Courier,
      COURIERS.map((c) => ({ code: c.code, name: c.name, aftershipSlug: c.aftershipSlug ?? null })),
      { onConflictFields: ['code'] },
    );
    const courierByCode = new Map(couriers.map((c) => [c.code, c]));
    const courier = (code: string) => courierByCode.get(code) ?? null;

    const nodes: NodeRow[] = [];
    for (const network of COUNTY_NETWORKS) nodes.push(...(await countyNetworkNodes(tx, regions.get(network.county)!, network, courier)));
    nodes.push(...extraNodes(regions, courier));
    await tx.upsertMany(LogisticsNode, nodes, { onConflictFields: ['code'] });
  });
}

/** Regions of the stand-alone nodes: 临猗县 (cold storage), 小店区 in Taiyuan (locker, sorting centre). */
const EXTRA_NODE_REGIONS = ['140821', '140105'];

function extraNodes(regions: Map<string, Region>, courier: (code: string) => Courier | null): NodeRow[] {
  return [
    node('cold-140821-apple', '临猗苹果产地冷库', LogisticsNodeKind.COLD_STORAGE, regions.get('140821')!, null, 0),
    node('locker-140105-01', '小店区智能快件箱', LogisticsNodeKind.PARCEL_LOCKER, regions.get('140105')!, courier('zhongtong'), 1),
    node('sort-1401-taiyuan', '太原快件分拨中心', LogisticsNodeKind.SORTING_CENTRE, regions.get('140105')!, courier('shunfeng'), 0),
  ];
}

/**
 * A county's three tiers: its shared distribution centre, a station in each of
 * its first rural townships (镇/乡, not urban 街道) and service points in the
 * first village committees (村委会) of each. Picking "the first by code" keeps
 * node codes stable across runs.
 */
async function countyNetworkNodes(
  em: EntityManager,
  county: Region,
  network: CountyNetworkData,
  courier: (code: string) => Courier | null,
): Promise<NodeRow[]> {
  const nodes = [
    node(`cdc-${county.code}`, `${county.name}寄递公共配送中心`, LogisticsNodeKind.COUNTY_DISTRIBUTION_CENTRE, county, courier(network.operator), 0),
  ];
  const townships = await em.find(
    Region,
    { parent: county, level: RegionLevel.TOWNSHIP, name: { $re: '[镇乡]$' } },
    { orderBy: { code: 'asc' }, limit: network.townships },
  );
  for (const [i, township] of townships.entries()) {
    const operator = courier(TOWNSHIP_OPERATORS[(i + Number(county.code)) % TOWNSHIP_OPERATORS.length]);
    nodes.push(node(`ts-${township.code}`, `${township.name}快递综合服务站`, LogisticsNodeKind.TOWNSHIP_STATION, township, operator, i));
    const villages = await em.find(
      Region,
      { parent: township, level: RegionLevel.VILLAGE, name: { $re: '村(民)?委员?会$' } },
      { orderBy: { code: 'asc' }, limit: network.villagesPerTownship },
    );
    for (const [j, village] of villages.entries()) {
      const villageName = village.name.replace(/(村民委员会|村委员会|村委会)$/, '村');
      nodes.push(node(`vsp-${village.code}`, `${villageName}快递便民服务点`, LogisticsNodeKind.VILLAGE_SERVICE_POINT, village, null, i + j + 1));
    }
  }
  return nodes;
}

/** Filing states in turn, so that every tier has filed, pending and unfiled nodes to query. */
const FILING_ROTATION = [FilingStatus.FILED, FilingStatus.FILED, FilingStatus.PENDING, FilingStatus.NOT_FILED];

/**
 * One node; `turn` picks its filing state. Filed nodes get a synthetic filing
 * number (the postal administration's format is not in our sources) and a
 * filing date in 2024 derived from the region code, so both are stable.
 */
function node(code: string, name: string, kind: LogisticsNodeKind, region: Region, operator: Courier | null, turn: number): NodeRow {
  const filingStatus = FILING_ROTATION[turn % FILING_ROTATION.length];
  const filed = filingStatus === FilingStatus.FILED;
  const dayOfYear = Number(region.code) % 360;
  return {
    code,
    name,
    kind,
    region,
    operator,
    filingStatus,
    filingNo: filed ? `SX-BA-2024-${region.code}-${String(turn + 1).padStart(2, '0')}` : null,
    filedOn: filed ? new Date(Date.UTC(2024, 0, 1 + dayOfYear)).toISOString().slice(0, 10) : null,
  };
}

async function requireRegions(em: EntityManager, codes: string[]): Promise<Map<string, Region>> {
  const regions = await em.find(Region, { code: { $in: [...new Set(codes)] } });
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const missing = codes.filter((c) => !byCode.has(c));
  if (missing.length) throw new Error(`regions ${missing.join(', ')} are not loaded (run seedRegions first)`);
  return byCode;
}
