import type pg from 'pg';

/** One audit row, its values already cleaned and cut to their columns (audit-normalise.ts). @internal */
export interface AuditRow {
  actor: string;
  credential: string;
  role: string | null;
  organisation: string | null;
  ip: string | null;
  transport: string;
  operationType: string;
  operationName: string | null;
  operationHash: string;
  /** jsonb text. */
  variables: string;
  /** A PostgreSQL text[] literal. */
  classifiedFields: string;
  rowsReturned: number;
  personalRecords: number;
  unmaskReason: string | null;
  outcome: string;
}

/** What a committed row tells its writer: the actor's personal records over the last hour, this row's included (0 when it had none). */
export interface AuditWritten {
  personalLastHour: number;
}

/**
 * The rows of one batch in one statement (one implicit transaction): the rows
 * into audit_entry, the actors' personal records into their per-minute
 * counters, and each such actor's total over the last hour read back. The
 * window is the current minute and the 60 before it (a little over an hour:
 * it errs towards alerting). The counters' current minute is read from the
 * upsert (which sees rows committed by concurrent writers), the earlier
 * minutes from the table.
 */
const INSERT = `with ins as (
  insert into audit_entry (actor, credential, role, organisation, ip, transport, operation_type, operation_name, operation_hash,
                           variables, classified_fields, rows_returned, personal_records, unmask_reason, outcome)
  select a, c, r, o, i, t, ot, n, h, v::jsonb, cf::text[], rr, pr, ur, oc
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                $10::text[], $11::text[], $12::int[], $13::int[], $14::text[], $15::text[]) as u(a, c, r, o, i, t, ot, n, h, v, cf, rr, pr, ur, oc)
  returning actor, personal_records
), personal as (
  select actor, sum(personal_records)::bigint as records from ins where personal_records > 0 group by actor
), counted as (
  insert into audit_personal_minute as m (actor, minute, records)
  select actor, date_trunc('minute', now()), records from personal order by actor
  on conflict (actor, minute) do update set records = m.records + excluded.records
  returning actor, records
)
select c.actor, (c.records + coalesce((select sum(w.records) from audit_personal_minute w
                  where w.actor = c.actor and w.minute >= date_trunc('minute', now() - interval '1 hour') and w.minute < date_trunc('minute', now())), 0))::bigint as total
  from counted c`;

/** Rows of one statement, at most (the next ones wait for the next batch). */
const MAX_BATCH = 256;
/** How often the counters older than two hours are deleted (by whichever instance writes). */
const PRUNE_EVERY_MS = 10 * 60_000;

interface Waiter {
  row: AuditRow;
  resolve: (written: AuditWritten) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of audit rows (issue #10, issue #11): the rows of concurrent
 * operations go into one multi-row INSERT; each operation awaits the commit of
 * its own batch and fails if that write fails. A lone operation is written at
 * once; while one batch is being written, the rows that arrive wait and go
 * together in the next. When a batch of several rows fails, each of its rows
 * is tried again alone, so that one operation's row cannot fail another's.
 * @internal
 */
export class AuditWriter {
  #pending: Waiter[] = [];
  #writing: Promise<void> | null = null;
  #lastPrune = Date.now();

  constructor(
    private readonly pool: () => Promise<Pick<pg.Pool, 'query'>>,
    private readonly onPruneError: (error: unknown) => void,
    private readonly onStatement?: () => void,
  ) {}

  /** Resolves once the row is committed, with the actor's personal records of the last hour. */
  write(row: AuditRow): Promise<AuditWritten> {
    return new Promise<AuditWritten>((resolve, reject) => {
      this.#pending.push({ row, resolve, reject });
      if (!this.#writing) this.#writing = this.#drain();
    });
  }

  /** Resolves when every row handed in so far is written (or failed). */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length) {
        const batch = this.#pending.splice(0, MAX_BATCH);
        try {
          await this.#write(batch);
        } catch {
          if (batch.length === 1) continue;
          // Each row alone: one row's failure is its operation's only.
          await Promise.all(batch.map((waiter) => this.#write([waiter]).catch(() => undefined)));
        }
      }
    } finally {
      this.#writing = null;
    }
  }

  /** Writes the rows and settles their waiters; rejects them (and throws) when the statement fails. */
  async #write(batch: Waiter[]): Promise<void> {
    let totals: Map<string, number>;
    try {
      const pool = await this.pool();
      this.onStatement?.();
      const rows = batch.map((w) => w.row);
      const col = <K extends keyof AuditRow>(key: K) => rows.map((r) => r[key]);
      const { rows: counted } = await pool.query<{ actor: string; total: string }>({
        name: 'hub_audit_insert',
        text: INSERT,
        values: [
          col('actor'),
          col('credential'),
          col('role'),
          col('organisation'),
          col('ip'),
          col('transport'),
          col('operationType'),
          col('operationName'),
          col('operationHash'),
          col('variables'),
          col('classifiedFields'),
          col('rowsReturned'),
          col('personalRecords'),
          col('unmaskReason'),
          col('outcome'),
        ],
      });
      totals = new Map(counted.map((c) => [c.actor, Number(c.total)]));
    } catch (error) {
      if (batch.length === 1) batch[0].reject(error);
      throw error;
    }
    for (const waiter of batch) waiter.resolve({ personalLastHour: waiter.row.personalRecords > 0 ? (totals.get(waiter.row.actor) ?? 0) : 0 });
    this.#prune();
  }

  /** Counters older than two hours are of no use to the check; deleted now and then, never waited for. */
  #prune(): void {
    const now = Date.now();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    void this.pool()
      .then((pool) => {
        this.onStatement?.();
        return pool.query(`delete from audit_personal_minute where minute < now() - interval '2 hours'`);
      })
      .catch(this.onPruneError);
  }
}
