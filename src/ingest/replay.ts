import type { EntityManager } from '@mikro-orm/postgresql';
import type { HubPubSub } from '../platform/pubsub.js';
import { sqlList } from '../platform/sql.js';
import type { IngestRuntime } from './ingest-runtime.js';
import { addCounts, emptyCounts, IngestSession, type LoadCounts, type SessionOptions } from './pipeline.js';
import type { Mapper } from './connectors/connector.js';

/**
 * Replays rejected records after a fix (an alias, a market, a mapping): each
 * goes through the same pipeline again, read by the same mapper that refused
 * it (the record's `pipeline`). A record that now passes is marked REPLAYED;
 * one that still fails stays PENDING with its new reason. Feeds with their
 * own replay (courier feeds) register a {@link Replayer} for their pipeline.
 */

/** A rejected record as stored. */
export interface StoredRejection {
  id: string;
  connector: string;
  pipeline: string | null;
  raw: unknown;
  position: string | null;
}

/** Per record: replayed, or still refused and why. */
export type ReplayOutcome = { ok: true } | { ok: false; reason: string; field?: string | null };

/** Replays records of one pipeline and connector; returns an outcome per record id. */
export type Replayer = (em: EntityManager, records: readonly StoredRejection[], pubSub?: HubPubSub) => Promise<Map<string, ReplayOutcome>>;

const replayers = new Map<string, Replayer>();

/** Registers how records of `pipeline` are replayed (e.g. a courier feed's own). */
export function registerReplayer(pipeline: string, replayer: Replayer): void {
  replayers.set(pipeline, replayer);
}

/** A replayer that sends records through the ingest pipeline with `map`. */
export function pipelineReplayer(options: Omit<SessionOptions, 'connector' | 'pubSub'>): Replayer {
  return async (em, records, pubSub) => {
    const outcomes = new Map<string, ReplayOutcome>();
    const byConnector = groupBy(records, (r) => r.connector);
    for (const [connector, group] of byConnector) {
      const session = new IngestSession(em, { ...options, connector, pubSub });
      const result = await session.write(
        group.map((r) => ({ raw: r.raw, position: r.position ?? `rejected ${r.id}` })),
        { keepRejections: false },
      );
      const failed = new Map(result.rejections.map((f) => [f.index, f]));
      group.forEach((record, index) => {
        const failure = failed.get(index);
        outcomes.set(record.id, failure ? { ok: false, reason: failure.reason, field: failure.field } : { ok: true });
      });
      replayCounts.set(outcomes, addCounts(replayCounts.get(outcomes) ?? emptyCounts(), result.counts));
    }
    return outcomes;
  };
}

const replayCounts = new WeakMap<Map<string, ReplayOutcome>, LoadCounts>();

export interface ReplayResult {
  /** Records now stored (or found already stored). */
  replayed: number;
  /** Records that still fail, with their new reason. */
  stillRejected: number;
  /** Records with no replayer for their pipeline: left as they were. */
  skipped: number;
  counts: LoadCounts;
  /** Ids of the records replayed successfully. */
  replayedIds: string[];
}

/** Most records replayed in one call. */
export const REPLAY_LIMIT = 10_000;

/**
 * Replays PENDING rejected records: the given ids, or all of a connector's
 * (oldest first, at most {@link REPLAY_LIMIT}).
 */
export async function replayRejected(
  em: EntityManager,
  deps: { ingest?: IngestRuntime; pubSub?: HubPubSub },
  selection: { ids?: readonly string[]; connector?: string },
): Promise<ReplayResult> {
  const conn = em.getConnection();
  const where = selection.ids?.length ? 'id in (?)' : 'connector = ?';
  const param = selection.ids?.length ? sqlList(selection.ids) : selection.connector;
  const rows = await conn.execute<StoredRejection[]>(
    `select id::text as id, connector, pipeline, raw, position from rejected_record where status = 'PENDING' and ${where} order by id limit ${REPLAY_LIMIT}`,
    [param],
  );
  const result: ReplayResult = { replayed: 0, stillRejected: 0, skipped: 0, counts: emptyCounts(), replayedIds: [] };
  for (const [pipeline, group] of groupBy(rows, (r) => r.pipeline ?? '')) {
    const replayer = await replayerFor(pipeline, group[0].connector, deps.ingest);
    if (!replayer) {
      result.skipped += group.length;
      continue;
    }
    const outcomes = await replayer(em, group, deps.pubSub);
    addCounts(result.counts, replayCounts.get(outcomes) ?? emptyCounts());
    const ok = group.filter((r) => outcomes.get(r.id)?.ok).map((r) => r.id);
    if (ok.length) await conn.execute(`update rejected_record set status = 'REPLAYED', replayed_at = now() where id in (?)`, [sqlList(ok)]);
    for (const record of group) {
      const outcome = outcomes.get(record.id);
      if (outcome && !outcome.ok) {
        await conn.execute('update rejected_record set reason = ?, field = ? where id = ?', [outcome.reason, outcome.field ?? null, record.id]);
      }
    }
    result.replayed += ok.length;
    result.replayedIds.push(...ok);
    result.stillRejected += group.length - ok.length;
  }
  return result;
}

/** The replayer of a pipeline: registered, or a connector module's mapper with the connector's config. */
async function replayerFor(pipeline: string, connector: string, ingest: IngestRuntime | undefined): Promise<Replayer | undefined> {
  const registered = replayers.get(pipeline);
  if (registered) return registered;
  if (!ingest || !pipeline) return undefined;
  const configured = ingest.connectors.find((c) => c.name === connector && c.module === pipeline);
  const instance = configured ?? (await ingest.instance(pipeline).catch(() => undefined));
  if (!instance) return undefined;
  return pipelineReplayer({ pipeline, map: instance.manifest.map as Mapper<unknown>, config: instance.config });
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
