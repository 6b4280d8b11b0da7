import type pg from 'pg';
import type { Logger } from './logger.js';
import type { Leadership } from './leadership.js';
import { startPeriodicJob } from './periodic-job.js';

/**
 * Monthly time partitions of the big fact tables (issue #13): price
 * observations by `observed_on`, tracking events by `occurred_at`, audit
 * entries by `at` (migration 20261129150000). A partition is named
 * `<table>_YYYYMM`; rows of a month without one land in `<table>_default`.
 *
 * Two ways partitions appear: {@link ensureMonths} creates the months a batch
 * is about to write (the ingest pipeline calls it before the batch's own
 * transaction, so the short DDL lock never waits inside a batch), and the
 * maintenance job ({@link startPartitionMaintenance}) creates the coming
 * months ahead of time and drops whole months past a table's retention.
 */

/** A partitioned table and how long its rows are kept. */
export interface PartitionedTable {
  table: string;
  /** Rows older than this many days go, a whole month at a time (and row by row in the default partition). Absent: kept forever. */
  retentionDays?: number;
  /**
   * For a table whose rows refuse DELETE (the append-only audit trail): a
   * `set local` that lets the retention delete of the default partition
   * through (its trigger allows deleting rows past retention only).
   */
  deleteFlag?: string;
  /**
   * Truncate a month before dropping it, so that its TRUNCATE triggers take its rows out of the aggregates kept
   * from them (price_observation's exact counts, migration 20261130010000: DROP TABLE fires no trigger).
   */
  truncateBeforeDrop?: boolean;
}

/** 'YYYY-MM' of a date or ISO text (UTC). */
export const monthOf = (value: Date | string): string => (typeof value === 'string' ? value.slice(0, 7) : value.toISOString().slice(0, 7));

const partitionName = (table: string, month: string) => `${table}_${month.replace('-', '')}`;

/** Months known to exist, per pool and table, so that a batch asks the database only about new months. @internal */
const known = new WeakMap<pg.Pool, Map<string, Set<string>>>();

async function existingMonths(pool: pg.Pool, table: string): Promise<Set<string>> {
  let tables = known.get(pool);
  if (!tables) known.set(pool, (tables = new Map()));
  let months = tables.get(table);
  if (!months) {
    const rows = await pool.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent where p.relname = $1`,
      [table],
    );
    months = new Set(
      rows.rows
        .map((r) => r.name.slice(table.length + 1))
        .filter((m) => /^\d{6}$/.test(m))
        .map((m) => `${m.slice(0, 4)}-${m.slice(4)}`),
    );
    tables.set(table, months);
  }
  return months;
}

/**
 * The partition of `table` for `month` ('YYYY-MM') when it is known to exist
 * (created or seen by {@link ensureMonths} on this pool), else undefined: a
 * writer then COPYs straight into it instead of through the parent (tuple
 * routing made a COPY about seven times slower here, BENCHMARKS.md).
 */
export function knownPartition(pool: pg.Pool, table: string, month: string): string | undefined {
  return known.get(pool)?.get(table)?.has(month) ? partitionName(table, month) : undefined;
}

/** Forgets what is known of a table's partitions (after dropping some). @internal */
function forget(pool: pg.Pool, table: string): void {
  known.get(pool)?.delete(table);
}

/**
 * Makes sure `table` has a partition for each month ('YYYY-MM'). Each is
 * created in its own short transaction with a lock timeout; a month that
 * cannot be created now (the lock is busy, or the default partition already
 * holds rows of that month) is left to the default partition and logged:
 * ingest never fails for want of a partition.
 */
export async function ensureMonths(pool: pg.Pool, table: string, months: Iterable<string>, log?: Logger): Promise<string[]> {
  const existing = await existingMonths(pool, table);
  const created: string[] = [];
  for (const month of [...new Set(months)].sort()) {
    if (existing.has(month) || !/^\d{4}-\d{2}$/.test(month)) continue;
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(`set local lock_timeout = '3s'`);
      await client.query('select hub_month_partition($1, $2::date)', [table, `${month}-01`]);
      await client.query('commit');
      existing.add(month);
      created.push(partitionName(table, month));
    } catch (error) {
      await client.query('rollback').catch(() => {});
      const code = (error as { code?: string }).code;
      // 42P07: another instance created it meanwhile.
      if (code === '42P07') existing.add(month);
      else log?.warn({ table, month, err: (error as Error).message }, 'partition not created; its rows go to the default partition');
    } finally {
      client.release();
    }
  }
  return created;
}

/** What one maintenance run did. */
export interface MaintenanceReport {
  created: string[];
  dropped: string[];
  /** Rows past retention deleted from default partitions. */
  deletedRows: number;
}

/**
 * One maintenance run over `tables`: creates the current month and
 * `monthsAhead` months ahead, drops every monthly partition that ends before
 * the table's retention cut-off (whole months: nothing younger than the
 * retention is ever dropped), and deletes rows past retention from the
 * default partition.
 */
export async function maintainPartitions(
  pool: pg.Pool,
  tables: readonly PartitionedTable[],
  options: { monthsAhead?: number; now?: Date; log?: Logger } = {},
): Promise<MaintenanceReport> {
  const now = options.now ?? new Date();
  const report: MaintenanceReport = { created: [], dropped: [], deletedRows: 0 };
  const ahead = Array.from({ length: (options.monthsAhead ?? 3) + 1 }, (_, i) => monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1))));
  for (const spec of tables) {
    report.created.push(...(await ensureMonths(pool, spec.table, ahead, options.log)));
    if (!spec.retentionDays) continue;
    const cutoff = new Date(now.getTime() - spec.retentionDays * 86_400_000);
    for (const month of [...(await existingMonths(pool, spec.table))].sort()) {
      const [y, m] = month.split('-').map(Number);
      const end = new Date(Date.UTC(y, m, 1));
      if (end > cutoff) continue;
      if (spec.truncateBeforeDrop) {
        // One query string is one transaction: the counts never miss rows that are still there, nor keep rows that are gone.
        await pool.query(`truncate "${partitionName(spec.table, month)}"; drop table "${partitionName(spec.table, month)}"`);
      } else {
        await pool.query(`drop table if exists "${partitionName(spec.table, month)}"`);
      }
      report.dropped.push(partitionName(spec.table, month));
    }
    forget(pool, spec.table);
    const client = await pool.connect();
    try {
      await client.query('begin');
      if (spec.deleteFlag) await client.query(spec.deleteFlag);
      const column = await partitionColumn(client, spec.table);
      const deleted = await client.query(`delete from "${spec.table}_default" where "${column}" < $1`, [cutoff]);
      await client.query('commit');
      report.deletedRows += deleted.rowCount ?? 0;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
  return report;
}

/** The column a table is partitioned by. @internal */
async function partitionColumn(client: pg.PoolClient, table: string): Promise<string> {
  const { rows } = await client.query<{ name: string }>(
    `select a.attname as name from pg_partitioned_table pt join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0] where pt.partrelid = $1::regclass`,
    [table],
  );
  if (!rows[0]) throw new Error(`${table} is not partitioned`);
  return rows[0].name;
}

/** How often the maintenance job runs. */
export const PARTITION_MAINTENANCE_INTERVAL_MS = 6 * 3_600_000;

export interface PartitionMaintenanceOptions {
  pool: () => Promise<pg.Pool>;
  tables: readonly PartitionedTable[];
  log: Logger;
  /** Who runs it when several instances share the database (issue #12); none = this process. */
  leadership?: Leadership;
  /** Months created ahead of the current one. @default 3 */
  monthsAhead?: number;
  /** Time between runs; 0 = no periodic run (runOnce still works). @default 6 hours */
  intervalMs?: number;
}

export interface PartitionMaintenance {
  /** Runs once now (creates ahead, drops past retention). */
  runOnce(): Promise<MaintenanceReport>;
  /** Stops the periodic runs and waits for a running one. */
  stop(): Promise<void>;
}

/**
 * The partition maintenance job, a plain periodic job (src/platform/periodic-job.ts)
 * led by one instance: a first run shortly after start, then every
 * `intervalMs`. It replaces the audit pruner that deleted rows one by one.
 * Every step is idempotent (`if not exists`, `if exists`), so a second
 * instance running it by accident is harmless; a failed run is retried at the
 * next interval.
 */
export function startPartitionMaintenance(options: PartitionMaintenanceOptions): PartitionMaintenance {
  const { log } = options;
  return startPeriodicJob({
    name: 'partition-maintenance',
    intervalMs: options.intervalMs ?? PARTITION_MAINTENANCE_INTERVAL_MS,
    firstDelayMs: 5_000,
    standbyCheckMs: 60_000,
    leadership: options.leadership,
    log,
    run: async () => {
      const report = await maintainPartitions(await options.pool(), options.tables, { monthsAhead: options.monthsAhead, log });
      if (report.created.length || report.dropped.length || report.deletedRows) log.info(report, 'partitions maintained');
      return report;
    },
  });
}
