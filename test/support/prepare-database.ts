import 'reflect-metadata';
import path from 'node:path';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../src/database.js';
import { createLogger } from '../../src/platform/logger.js';
import { startEmbeddedPostgres } from '../../src/platform/embedded-postgres.js';
import { seedReferenceData } from '../../seeds/index.js';
import { seedDemoPrices } from '../../seeds/demo-prices.seed.js';
import { TEST_PRICE_END_DATE, TEST_PRICE_DAYS } from './fixtures.js';
import { withDatabase } from './database-url.js';

/**
 * Once per `npm test`: a PostgreSQL (DATABASE_URL when set, else an embedded
 * one under .data/test-pg) and a template database with the migrations and the
 * reference data applied. Each test file then clones the template (fast,
 * isolated) through test/support/test-hub.ts.
 */
export default async function prepareDatabase(): Promise<void> {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({
      dataDir: path.resolve('.data/test-pg'),
      port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54330),
      database: 'postgres',
      log,
    });
    (globalThis as Record<string, unknown>).__hubEmbeddedPg = embedded;
    adminUrl = embedded.url;
  }
  const template = `hub_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${template}" with (force)`);
  await admin.query(`create database "${template}"`);
  await admin.end();

  const templateUrl = withDatabase(adminUrl, template);
  const started = Date.now();
  const orm = await MikroORM.init(ormOptions(templateUrl, 4));
  await orm.migrator.up();
  await seedReferenceData(orm.em.fork(), log);
  await seedDemoPrices(orm.em.fork(), { days: TEST_PRICE_DAYS, endDate: TEST_PRICE_END_DATE, seed: 7 });
  await orm.close(true);
  console.log(`\ntest database: ${adminUrl.replace(/:[^:@/]*@/, ':***@')} (template ${template}, ${Date.now() - started} ms)`);

  process.env.TEST_ADMIN_URL = adminUrl;
  process.env.TEST_TEMPLATE_DB = template;
}
