import type { EntityManager } from '@mikro-orm/postgresql';
import { bulkInsert } from './bulk-insert.js';

/** A refused record, as an ingest path reports it. */
export interface Rejection {
  connector: string;
  reason: string;
  field?: string | null;
  position?: string | null;
  raw: unknown;
  /** What re-reads `raw` on replay (see `replayRejected`); absent: the record cannot be replayed automatically. */
  pipeline?: string | null;
}

/**
 * Keeps refused records for replay. Write them in their own statement outside
 * (or after) the batch transaction that refused them, so that a rolled-back
 * batch still leaves its rejections behind.
 */
export async function keepRejected(em: EntityManager, rejections: readonly Rejection[]): Promise<string[]> {
  if (!rejections.length) return [];
  const rows = rejections.map((r) => [r.connector, r.reason, r.field ?? null, r.position ?? null, JSON.stringify(r.raw ?? null), r.pipeline ?? null]);
  const stored = await bulkInsert(em, 'rejected_record', ['connector', 'reason', 'field', 'position', 'raw', 'pipeline'], rows, ['id']);
  return stored.map((row) => String(row.id));
}
