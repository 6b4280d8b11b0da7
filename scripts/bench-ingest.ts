/**
 * Ingest benchmark (issues #4, #13): a generated price list of BENCH_ROWS rows
 * (default 1,000,000) in the Xinfadi file's shape, imported through the
 * wholesale-prices connector and the one ingest pipeline (parse, map,
 * validate, match, COPY straight into the monthly partitions, publish), side
 * by side in one run with a
 * plain `COPY ... FROM STDIN (FORMAT csv)` of the same file into a bare table
 * on the same database. Prints rows/s for both and the ratio.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/bench npm run bench:ingest
 *
 * Use a scratch database: it is migrated and seeded with the reference data
 * if empty; the benchmark's rows are deleted afterwards.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { openDatabase } from '../src/database.js';
import { createHubPubSub } from '../src/platform/pubsub.js';
import { seedReferenceData } from '../seeds/index.js';
import { startIngest } from '../src/ingest/ingest-runtime.js';
import { cpuBetween, sampleCpu } from './lib/cpu-time.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 20_000);
/** Days the rows spread over from 2013-06-10 (default 1,060: each batch spans three years; 20 = one month, a day's-list shape). */
const DAYS = Number(process.env.BENCH_DAYS ?? 1060);
const CONNECTOR = 'bench-xinfadi';

// Trade names in the list's style (specs and packaging in brackets, per-piece names, names the catalogue lacks).
const NAMES = [
  '富士（纸袋Φ85以上）',
  '花牛(Φ70-85)',
  '国光',
  '王林苹果',
  '黄元帅',
  '红富士',
  '鸭梨',
  '雪花梨',
  '丰水梨',
  '库尔勒香梨',
  '酥梨',
  '皇冠梨',
  '国产香蕉',
  '泰国香蕉',
  '箱装菠萝（上六下六）',
  '椰青/个',
  '柠檬',
  '木瓜',
  '哈密瓜',
  '麒麟西瓜',
  '京欣西瓜',
  '巨峰葡萄',
  '红提葡萄',
  '玫瑰香',
  '猕猴桃（海沃德）',
  '蜜柚',
  '红心蜜柚',
  '冬枣',
  '山楂',
  '油桃',
  '久红瑞',
  '长香玉',
  '西州密',
  '黑美人',
  '赣南脐橙Ф70-Ф95',
  '芦柑',
  '砂糖桔',
  '草莓',
  '樱桃',
  '板栗',
];

/** mulberry32: a small seeded PRNG, so every run generates the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(file: string): void {
  const random = prng(20261123);
  const out = fs.openSync(file, 'w');
  let chunk = '\uFEFF品名,最低价,平均价,最高价,规格,单位,发布日期\n';
  const start = Date.UTC(2013, 5, 10);
  let previous = '';
  for (let i = 0; i < ROWS; i++) {
    // About 1% of rows repeat the row before, as the real list does.
    if (previous && random() < 0.01) {
      chunk += previous;
    } else {
      const name = NAMES[Math.floor(random() * NAMES.length)];
      const avg = 1 + random() * 12;
      const low = avg * (0.8 + random() * 0.2);
      const high = avg * (1 + random() * 0.25);
      const day = new Date(start + Math.floor(random() * DAYS) * 86_400_000).toISOString().slice(0, 10);
      previous = `${name},${low.toFixed(2)},${avg.toFixed(2)},${high.toFixed(2)},普通,斤,${day}\n`;
      chunk += previous;
    }
    if (chunk.length > 1 << 20) {
      fs.writeSync(out, chunk);
      chunk = '';
    }
  }
  fs.writeSync(out, chunk);
  fs.closeSync(out);
}

async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, CONNECTOR_SCHEDULER: 'false' });
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config, log);
  const em = db.orm.em.fork();
  const [{ n }] = await em.getConnection().execute<{ n: string }[]>('select count(*) as n from region');
  if (Number(n) === 0) await seedReferenceData(em);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
  const file = path.join(dir, 'prices.csv');
  const pubSub = createHubPubSub(undefined, log);
  try {
    let t0 = Date.now();
    generate(file);
    console.log(`generated ${ROWS.toLocaleString('en')} rows (${(fs.statSync(file).size / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await em.getConnection().execute(`delete from price_observation where source_connector = ?`, [CONNECTOR]);
    await em.getConnection().execute(`delete from rejected_record where connector = ?`, [CONNECTOR]);
    // Dead rows of an earlier run with the same keys would slow the conflict checks down.
    await em.getConnection().execute('vacuum analyze price_observation');

    // 1. Through the connector pipeline, as `npm run connector -- run` does.
    const ingest = await startIngest(
      { connectors: JSON.stringify([{ name: CONNECTOR, module: 'wholesale-prices', config: { batchSize: BATCH } }]), scheduler: false },
      { em, pubSub: pubSub.pubSub, log },
    );
    const pool = await em.getConnection().getNativeClient();
    const [{ database }] = await em.getConnection().execute<{ database: string }[]>('select current_database() as database');
    let cpu0 = await sampleCpu(pool, database);
    t0 = Date.now();
    const usage0 = process.cpuUsage();
    const result = await ingest.run(CONNECTOR, { file });
    const usage = process.cpuUsage(usage0);
    const pipelineSeconds = (Date.now() - t0) / 1000;
    const pipelineCpu = cpuBetween(cpu0, await sampleCpu(pool, database));
    if (result.status !== 'OK') throw new Error(`pipeline run failed: ${result.error}`);
    // The series-day groups the batches appended, folded into price_series_day as the periodic job or the first read
    // would (migration 20261130060000): part of the price of a load, measured on its own.
    cpu0 = await sampleCpu(pool, database);
    t0 = Date.now();
    const [{ folded }] = await em.getConnection().execute<{ folded: string }[]>('select price_series_fold() as folded');
    const foldSeconds = (Date.now() - t0) / 1000;
    const foldCpu = cpuBetween(cpu0, await sampleCpu(pool, database));

    // 2. Plain COPY of the same file into a bare table.
    const client = await pool.connect();
    let copyCpu: ReturnType<typeof cpuBetween>;
    let copySeconds: number;
    try {
      await client.query('drop table if exists bench_copy_bare');
      await client.query(
        `create table bench_copy_bare ("品名" text, "最低价" numeric, "平均价" numeric, "最高价" numeric, "规格" text, "单位" text, "发布日期" date)`,
      );
      cpu0 = await sampleCpu(pool, database);
      t0 = Date.now();
      await pipeline(fs.createReadStream(file), client.query(copyFrom(`copy bench_copy_bare from stdin with (format csv, header true, encoding 'UTF8')`)));
      copySeconds = (Date.now() - t0) / 1000;
      copyCpu = cpuBetween(cpu0, await sampleCpu(pool, database));
      await client.query('drop table bench_copy_bare');
    } finally {
      client.release();
    }

    // 3. PostgreSQL alone: the rows exactly as the pipeline stored them, COPYed into an empty table shaped like
    //    price_observation (same columns, monthly partitions, the same indexes): the ceiling of one COPY stream into
    //    this table with no hub work at all.
    const ceiling = await pool.connect();
    let ceilingCpu: ReturnType<typeof cpuBetween>;
    let ceilingSeconds: number;
    const finalFile = path.join(dir, 'final.copy');
    try {
      await pipeline(
        ceiling.query(copyTo(`copy (select * from price_observation where source_connector = '${CONNECTOR}' order by observed_on, id) to stdout`)),
        fs.createWriteStream(finalFile),
      );
      await ceiling.query('drop table if exists bench_ceiling');
      await ceiling.query('create table bench_ceiling (like price_observation including defaults) partition by range (observed_on)');
      const { rows: months } = await ceiling.query<{ m: string }>(
        `select distinct to_char(date_trunc('month', observed_on), 'YYYY-MM-DD') as m from price_observation where source_connector = $1`,
        [CONNECTOR],
      );
      for (const { m } of months) {
        await ceiling.query(
          `create table "bench_ceiling_${m.slice(0, 7).replace('-', '')}" partition of bench_ceiling for values from ('${m}') to ('${m}'::date + interval '1 month')`,
        );
      }
      const { rows: indexes } = await ceiling.query<{ def: string }>(
        `select indexdef as def from pg_indexes where schemaname = 'public' and tablename = 'price_observation'`,
      );
      for (const [i, { def }] of indexes.entries()) {
        await ceiling.query(def.replace(/INDEX \S+ ON (ONLY )?public\.price_observation /, `INDEX bench_ceiling_${i} ON public.bench_ceiling `));
      }
      cpu0 = await sampleCpu(pool, database);
      t0 = Date.now();
      await pipeline(fs.createReadStream(finalFile), ceiling.query(copyFrom('copy bench_ceiling from stdin')));
      ceilingSeconds = (Date.now() - t0) / 1000;
      ceilingCpu = cpuBetween(cpu0, await sampleCpu(pool, database));
      await ceiling.query('drop table bench_ceiling');
    } finally {
      ceiling.release();
      fs.rmSync(finalFile, { force: true });
    }

    const pipelineRate = ROWS / pipelineSeconds;
    const copyRate = ROWS / copySeconds;
    const { stored, duplicates, rejected, unmatched } = result.counts;
    console.log(
      `pipeline: ${ROWS.toLocaleString('en')} rows in ${pipelineSeconds.toFixed(1)} s = ${Math.round(pipelineRate).toLocaleString('en')} rows/s (stored ${stored}, duplicates ${duplicates}, rejected ${rejected}, unmatched ${unmatched})`,
    );
    console.log(`plain COPY: ${ROWS.toLocaleString('en')} rows in ${copySeconds.toFixed(1)} s = ${Math.round(copyRate).toLocaleString('en')} rows/s`);
    console.log(
      `ratio: the pipeline runs at ${((100 * pipelineRate) / copyRate).toFixed(0)}% of plain COPY (COPY is ${(copyRate / pipelineRate).toFixed(1)}x faster); target: >= 100,000 rows/s and >= 15%`,
    );
    // CPU per million rows: what a shared machine's load does not move much (the machine's idle cores do not show here).
    const perMillion = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${((ms / ROWS) * 1e3).toFixed(1)} s`);
    console.log(`hub CPU per 1M rows: user ${perMillion(usage.user / 1000)} + system ${perMillion(usage.system / 1000)}`);
    console.log(
      `CPU per 1M rows: pipeline: hub ${perMillion(pipelineCpu.self)} + PostgreSQL ${perMillion(pipelineCpu.server)}; plain COPY: client ${perMillion(copyCpu!.self)} + PostgreSQL ${perMillion(copyCpu!.server)}`,
    );
    console.log(
      `fold of the ${Number(folded).toLocaleString('en')} appended series-day groups into price_series_day: ${foldSeconds.toFixed(1)} s; CPU per 1M rows: hub ${perMillion(foldCpu.self)} + PostgreSQL ${perMillion(foldCpu.server)}`,
    );
    console.log(
      `PostgreSQL alone (the stored rows COPYed into an empty table with price_observation's partitions and indexes): ${(ROWS / ceilingSeconds!).toLocaleString('en', { maximumFractionDigits: 0 })} rows/s per source row = ${((100 * ROWS) / ceilingSeconds! / copyRate).toFixed(0)}% of plain COPY; PostgreSQL CPU per 1M rows ${perMillion(ceilingCpu!.server)}`,
    );
    const [{ parts }] = await em
      .getConnection()
      .execute<{ parts: string }[]>(`select count(distinct tableoid) as parts from price_observation where source_connector = ?`, [CONNECTOR]);
    console.log(`stored into ${parts} monthly partitions of price_observation`);
    // The machine is shared: the load next to the figures says how much the absolute ones mean (TEAM.md).
    console.log(
      `load average: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')} on ${os.availableParallelism()} cores`,
    );
    console.log(
      `| ${ROWS.toLocaleString('en')} | ${BATCH.toLocaleString('en')} | ${Math.round(pipelineRate).toLocaleString('en')} | ${Math.round(copyRate).toLocaleString('en')} | ${(copyRate / pipelineRate).toFixed(1)}x |`,
    );
    await ingest.close();
    await em.getConnection().execute(`delete from price_observation where source_connector = ?`, [CONNECTOR]);
    await em.getConnection().execute(`delete from unmatched_name where ? = any(connectors)`, [CONNECTOR]);
    await em.getConnection().execute(`delete from connector_state where name = ?`, [CONNECTOR]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await pubSub.close();
    await db.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
