import fs from 'node:fs';
import type pg from 'pg';

/**
 * CPU time spent by this process and by the PostgreSQL server processes
 * serving one database, for benchmarks on a shared machine (issue #13): wall
 * clock moves with whatever else runs, CPU seconds per row much less. Server
 * time is read from /proc, so it is only known when PostgreSQL runs on this
 * machine (else `server` is undefined).
 */
export interface CpuSample {
  /** This process: user + system, ms. */
  self: number;
  /** Backends of the database (by pid), user + system, ms. */
  backends: Map<number, number>;
}

/** Clock ticks per second of /proc/<pid>/stat (Linux: 100). */
const TICKS = 100;

/** CPU ms (user + system) of any local process, from /proc. */
export function procCpuMs(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
  } catch {
    return undefined;
  }
}

/** Samples this process and every backend connected to `database` now. */
export async function sampleCpu(pool: pg.Pool, database: string): Promise<CpuSample> {
  const { rows } = await pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
  const backends = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = procCpuMs(pid);
    if (ms !== undefined) backends.set(pid, ms);
  }
  const usage = process.cpuUsage();
  return { self: (usage.user + usage.system) / 1000, backends };
}

/** CPU ms between two samples: this process, and the database's backends (a backend that appeared meanwhile counts from 0). */
export function cpuBetween(before: CpuSample, after: CpuSample): { self: number; server: number | undefined } {
  if (!after.backends.size) return { self: after.self - before.self, server: undefined };
  let server = 0;
  for (const [pid, ms] of after.backends) server += ms - (before.backends.get(pid) ?? 0);
  return { self: after.self - before.self, server };
}
