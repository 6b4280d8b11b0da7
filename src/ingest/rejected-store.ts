import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import { storableJson, storableText } from '../platform/storable-text.js';

/** A refused record, as an ingest path reports it. */
export interface Rejection {
  connector: string;
  reason: string;
  field?: string | null;
  position?: string | null;
  raw: unknown;
  /** What re-reads `raw` on replay (see `replayRejected`); absent: the record cannot be replayed automatically. */
  pipeline?: string | null;
  /** The firm whose data it is (`platform:<code>`), when not the connector itself: its keys see the record (issue #11). */
  submitter?: string | null;
  /**
   * What, with the raw record, makes it the same refused record again: by
   * default its position (the same line of a re-loaded file; two equal lines
   * are two records); an empty string for pushes, whose raw event identifies
   * it wherever and whenever it is sent again.
   */
  identity?: string;
}

/** Runs one SQL statement with bind parameters: a pg client (in a transaction) or pool. */
export type SqlRunner = Pick<pg.PoolClient, 'query'>;

/**
 * The raw record as jsonb text. PostgreSQL's jsonb refuses `\u0000` and lone
 * surrogates (a pushed string may carry either): they are kept as U+FFFD,
 * and a record nested too deeply to serialise as a note, instead of failing
 * the batch (issue #11).
 * @internal
 */
export function rawJson(raw: unknown): string {
  return storableJson(raw);
}

/**
 * Identity of a pending rejection: the same raw record refused again by the
 * same source and pipeline at the same place (a re-loaded file's line; any
 * re-sent push) is the same rejection, kept once (issue #11: a replayed push
 * writes nothing).
 * @internal
 */
export function rejectionFingerprint(r: Rejection, json = rawJson(r.raw)): string {
  return createHash('sha256')
    .update(`${r.connector}\u0000${r.pipeline ?? ''}\u0000${r.identity ?? r.position ?? ''}\u0000${json}`)
    .digest('base64url')
    .slice(0, 43);
}

/**
 * Keeps refused records for replay, once each: a record already pending with
 * the same source, pipeline and raw input is not stored again, and its id is
 * returned. Returns one id per rejection, in order. Runs on `sql` (inside the
 * caller's transaction when it is a transaction's client).
 */
export async function keepRejections(sql: SqlRunner, rejections: readonly Rejection[]): Promise<string[]> {
  if (!rejections.length) return [];
  const json = rejections.map((r) => rawJson(r.raw));
  const prints = rejections.map((r, i) => rejectionFingerprint(r, json[i]));
  // Reasons quote what was sent (`unknown status code "…"`): made storable like the raw record, then cut.
  const cut = (value: string | null | undefined, max: number) => (value == null ? null : storableText(value).slice(0, max));
  const inserted = await sql.query<{ id: string; fingerprint: string }>(
    `insert into rejected_record (connector, reason, field, position, raw, pipeline, fingerprint, submitter)
     select * from unnest($1::varchar[], $2::text[], $3::varchar[], $4::varchar[], $5::jsonb[], $6::varchar[], $7::varchar[], $8::varchar[])
     on conflict (connector, fingerprint) where status = 'PENDING' and fingerprint is not null do nothing
     returning id::text, fingerprint`,
    [
      rejections.map((r) => r.connector.slice(0, 64)),
      rejections.map((r) => storableText(r.reason)),
      rejections.map((r) => cut(r.field, 200)),
      rejections.map((r) => cut(r.position, 300)),
      json,
      rejections.map((r) => cut(r.pipeline, 64)),
      prints,
      rejections.map((r) => cut(r.submitter, 64)),
    ],
  );
  const ids = new Map(inserted.rows.map((row) => [row.fingerprint, row.id]));
  const missing = prints.filter((p) => !ids.has(p));
  if (missing.length) {
    const known = await sql.query<{ id: string; fingerprint: string }>(
      `select id::text, fingerprint from rejected_record where status = 'PENDING' and fingerprint = any($1::varchar[]) and connector = any($2::varchar[])`,
      [missing, [...new Set(rejections.map((r) => r.connector.slice(0, 64)))]],
    );
    for (const row of known.rows) ids.set(row.fingerprint, row.id);
  }
  return prints.map((p) => ids.get(p) ?? '');
}

/**
 * Keeps refused records in their own statement, outside any batch transaction
 * (a refused atomic batch, an unreadable push): see {@link keepRejections}.
 */
export async function keepRejected(em: EntityManager, rejections: readonly Rejection[]): Promise<string[]> {
  if (!rejections.length) return [];
  const pool = (await em.getConnection().getNativeClient()) as pg.Pool;
  return keepRejections(pool, rejections);
}
