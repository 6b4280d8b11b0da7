import type { EntityManager } from '@mikro-orm/postgresql';
import { paginate, type Ordering } from '../relay/paginate.js';
import type { Page } from '../relay/connection.type.js';
import { inSubtree } from '../regions/region-code.validator.js';
import { Market } from './market.entity.js';
import type { MarketsArgs } from './market.args.js';

const byCode: Ordering<Market> = { keys: [{ sql: 'm.code', read: (m) => m.code }], direction: 'asc' };

/** Markets by channel, region subtree and text, ordered by code. */
export function listMarkets(em: EntityManager, args: MarketsArgs): Promise<Page<Market>> {
  const qb = em.createQueryBuilder(Market, 'm');
  if (args.channel) qb.andWhere({ channel: args.channel });
  if (args.regionUnder) qb.andWhere(...inSubtree('m.region_code', args.regionUnder));
  if (args.search) {
    const pattern = `%${args.search.replace(/[%_\\]/g, '\\$&')}%`;
    qb.andWhere('(m.name like ? or m.code ilike ?)', [pattern, pattern]);
  }
  return paginate(qb, byCode, args, em);
}
