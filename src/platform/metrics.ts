import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one hub instance (own registry, so several hubs in one
 * process, as in the tests, do not collide). Default Node metrics include
 * event-loop lag (`nodejs_eventloop_lag_seconds`).
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hub_' });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'hub_graphql_request_duration_seconds',
      help: 'GraphQL request latency by operation name and type.',
      labelNames: ['operation', 'type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    requests: new Counter({
      name: 'hub_graphql_requests_total',
      help: 'GraphQL requests by operation name and type.',
      labelNames: ['operation', 'type'] as const,
      registers: [registry],
    }),
    compiledFastPath: new Counter({
      name: 'hub_graphql_compiled_fast_path_total',
      help: 'GraphQL operations over HTTP answered by the compiled read path before Apollo (also counted in hub_graphql_requests_total).',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'hub_graphql_errors_total',
      help: 'GraphQL errors by extensions.code.',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    openSubscriptions: new Gauge({
      name: 'hub_graphql_open_subscriptions',
      help: 'Subscription operations currently open over graphql-ws.',
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'hub_ws_connections',
      help: 'Open graphql-ws connections.',
      registers: [registry],
    }),
    subscriptionGroups: new Gauge({
      name: 'hub_subscription_groups',
      help: 'Live-update groups: distinct (subscription document, variables, visibility class); each update is executed once per group.',
      registers: [registry],
    }),
    subscriptionExecutions: new Counter({
      name: 'hub_subscription_executions_total',
      help: 'Executions of a subscription document for one update (one per group, however many subscribers share it).',
      registers: [registry],
    }),
    subscriptionDeliveries: new Counter({
      name: 'hub_subscription_deliveries_total',
      help: 'Subscription messages written to sockets.',
      registers: [registry],
    }),
    wsSlowConsumerCloses: new Counter({
      name: 'hub_ws_slow_consumer_closes_total',
      help: 'Sockets closed with 4413 because more than WS_MAX_BUFFERED_BYTES waited to be sent to them.',
      registers: [registry],
    }),
    dbStatements: new Counter({
      name: 'hub_db_statements_total',
      help: 'SQL statements sent to PostgreSQL.',
      registers: [registry],
    }),
    dbPool: new Gauge({
      name: 'hub_db_pool_connections',
      help: 'PostgreSQL pool connections by state.',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    pubsubRedisConnected: new Gauge({
      name: 'hub_pubsub_redis_connected',
      help: 'With REDIS_URL: 1 while Redis is reachable, 0 while subscriptions are delivered in-process only.',
      registers: [registry],
    }),
    pubsubLocalFallbacks: new Counter({
      name: 'hub_pubsub_local_fallback_total',
      help: 'Events delivered in-process only because Redis was unreachable (other instances missed them).',
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
    leaderJobs: new Gauge({
      name: 'hub_leader_jobs',
      help: 'Periodic jobs this instance leads among the instances on its database (1 = leader), by job (issue #12).',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
    auditFailures: new Counter({
      name: 'hub_audit_write_failures_total',
      help: 'Audit rows that could not be written (the operation failed closed: not run, or its data withheld).',
      registers: [registry],
    }),
    trackingEvents: new Counter({
      name: 'hub_tracking_events_total',
      help: 'Courier tracking events pushed to the webhooks, by format and outcome (accepted, duplicate, rejected).',
      labelNames: ['format', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The pub/sub topic as a metric label: its family (`SHIPMENT_UPDATED`), never the per-parcel part (issue #11: bounded labels). */
export function topicFamily(topic: string): string {
  const family = topic.split(':')[0];
  return /^[A-Z_]{1,64}$/.test(family) ? family : 'other';
}

/** A GraphQL name (https://spec.graphql.org/October2021/#Name), at most 64 characters. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * Operation names as metric labels, from a bounded set (issue #11: three
 * requests with 20 KB names grew /metrics from 20 KB to 860 KB): the first
 * `max` distinct valid names are kept; later, over-long or invalid names fold
 * into `other`, a missing one is `anonymous`.
 */
export function operationLabels(max: number): (name: string | null | undefined) => string {
  const known = new Set<string>();
  return (name) => {
    if (!name) return 'anonymous';
    if (known.has(name)) return name;
    if (!OPERATION_NAME.test(name) || known.size >= max) return 'other';
    known.add(name);
    return name;
  };
}
