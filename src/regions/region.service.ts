import type { EntityManager } from '@mikro-orm/postgresql';
import { paginate, type Ordering } from '../relay/paginate.js';
import type { Page } from '../relay/connection.type.js';
import { Region } from './region.entity.js';
import type { RegionsArgs } from './region.args.js';
import { inSubtree } from './region-code.validator.js';

const byCode: Ordering<Region> = { keys: [{ sql: 'r.code', read: (r) => r.code }], direction: 'asc' };

/** Regions by level, subtree and name, ordered by code. */
export function listRegions(em: EntityManager, args: RegionsArgs): Promise<Page<Region>> {
  const qb = em.createQueryBuilder(Region, 'r');
  if (args.level) qb.andWhere({ level: args.level });
  if (args.under) qb.andWhere(...inSubtree('r.code', args.under));
  if (args.search) qb.andWhere('r.name like ?', [`%${args.search.replace(/[%_\\]/g, '\\$&')}%`]);
  return paginate(qb, byCode, args, em);
}

/** Children of each region, for a batch of parent codes (one query). */
export async function childrenOf(em: EntityManager, parentCodes: readonly string[]): Promise<Region[][]> {
  const rows = await em.find(Region, { parent: { code: { $in: [...parentCodes] } } }, { orderBy: { code: 'asc' } });
  const byParent = new Map<string, Region[]>(parentCodes.map((c) => [c, []]));
  for (const row of rows) byParent.get(row.parent!.code)?.push(row);
  return parentCodes.map((c) => byParent.get(c) ?? []);
}

/** Codes of a region's ancestors, from the province down (derived from the code itself). */
export function ancestorCodes(code: string): string[] {
  return [2, 4, 6, 9].filter((len) => len < code.length).map((len) => code.slice(0, len));
}
