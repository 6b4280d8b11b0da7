import type { EntityManager } from '@mikro-orm/postgresql';
import { paginate, type Ordering } from '../relay/paginate.js';
import type { Page } from '../relay/connection.type.js';
import { inSubtree } from '../regions/region-code.validator.js';
import { LogisticsNode } from './logistics-node.entity.js';
import { Shipment } from './shipment.entity.js';
import type { LogisticsNodesArgs, ShipmentsArgs } from './logistics.args.js';

const nodeOrder: Ordering<LogisticsNode> = { direction: 'asc', keys: [{ sql: 'n.code', read: (n) => n.code }] };
const shipmentOrder: Ordering<Shipment> = {
  direction: 'desc',
  keys: [{ sql: 's.id', read: (s) => Number(s.id) }],
};

/** Logistics nodes by kind, filing status and region subtree, ordered by code. */
export function listLogisticsNodes(em: EntityManager, args: LogisticsNodesArgs): Promise<Page<LogisticsNode>> {
  const qb = em.createQueryBuilder(LogisticsNode, 'n');
  if (args.kind) qb.andWhere({ kind: args.kind });
  if (args.filingStatus) qb.andWhere({ filingStatus: args.filingStatus });
  if (args.regionUnder) qb.andWhere(...inSubtree('n.region_code', args.regionUnder));
  return paginate(qb, nodeOrder, args, em);
}

/** Shipments by courier, status, direction, region subtree and time of the latest event, newest first. */
export function listShipments(em: EntityManager, args: ShipmentsArgs): Promise<Page<Shipment>> {
  const qb = em.createQueryBuilder(Shipment, 's');
  if (args.courier) qb.andWhere('s.courier_id in (select id from courier where code = ?)', [args.courier]);
  if (args.status) qb.andWhere({ status: args.status });
  if (args.direction) qb.andWhere({ direction: args.direction });
  if (args.regionUnder) {
    const [origin, params] = inSubtree('s.origin_region_code', args.regionUnder);
    const [destination] = inSubtree('s.destination_region_code', args.regionUnder);
    qb.andWhere(`(${origin} or ${destination})`, [...params, ...params]);
  }
  if (args.lastEventAfter) qb.andWhere('s.last_event_at >= ?', [args.lastEventAfter]);
  if (args.lastEventBefore) qb.andWhere('s.last_event_at < ?', [args.lastEventBefore]);
  return paginate(qb, shipmentOrder, args, em);
}
