import type { EntityManager } from '@mikro-orm/postgresql';
import { ConnectorConfigError, type ConnectorInstance } from './connector-registry.js';

/**
 * Config fields through which a connector names hub markets: `market` (the
 * list's market), `platform` (an e-commerce platform) and the values of
 * `marketCodes` (source market names -> hub codes). Every built-in connector
 * uses these names; a module with other fields can follow the same convention.
 */
const MARKET_FIELDS = ['market', 'platform'] as const;

/** The market codes a connector's config names, with the config field naming each. @internal */
export function marketsNamedBy(config: unknown): { field: string; code: string }[] {
  if (!config || typeof config !== 'object') return [];
  const c = config as Record<string, unknown>;
  const named: { field: string; code: string }[] = [];
  for (const field of MARKET_FIELDS) if (typeof c[field] === 'string' && c[field]) named.push({ field: `config.${field}`, code: c[field] as string });
  if (c.marketCodes && typeof c.marketCodes === 'object') {
    for (const [name, code] of Object.entries(c.marketCodes as Record<string, unknown>)) {
      if (typeof code === 'string') named.push({ field: `config.marketCodes.${name}`, code });
    }
  }
  return named;
}

/**
 * Refuses to start with an enabled connector whose config names a market the
 * hub does not know (issue #14): otherwise every row it reads would be
 * rejected as "unknown market". Markets are reference data, loaded on every
 * start; a new market is added to seeds/reference.data.ts. Throws a
 * ConnectorConfigError naming each connector and field.
 */
export async function checkConnectorMarkets(em: EntityManager, connectors: readonly ConnectorInstance[]): Promise<void> {
  const named = connectors.filter((c) => c.enabled).flatMap((c) => marketsNamedBy(c.config).map((m) => ({ ...m, connector: c.name })));
  if (!named.length) return;
  const known = new Set((await em.getConnection().execute<{ code: string }[]>('select code from market')).map((m) => m.code));
  const unknown = named.filter((m) => !known.has(m.code));
  if (unknown.length) {
    throw new ConnectorConfigError(
      unknown.map((m) => `${m.connector}: ${m.field}: unknown market "${m.code}" (known markets: ${[...known].sort().join(', ')})`),
    );
  }
}
