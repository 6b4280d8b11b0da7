import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * The EntityManager as the officials' analytics see it (issue #12): its raw
 * SQL (`em.getConnection().execute`, how every analytics service reads) goes
 * to the streaming replica of DATABASE_READ_URL, and to the primary when none
 * is configured. Entity reads and writes through the returned manager still go
 * to the primary (`preferReadReplicas: false`), so only the aggregate queries
 * wrapped here ever see the replica's lag (docs/SCALING.md).
 */
export function onReadReplica(em: EntityManager): EntityManager {
  return new Proxy(em, {
    get(target, property, receiver) {
      if (property === 'getConnection') return (type?: 'read' | 'write') => target.getConnection(type ?? 'read');
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
