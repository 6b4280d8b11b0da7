import pg from 'pg';
import type { EmbeddedDatabase } from '../../src/platform/embedded-postgres.js';

/** Drops the template database and stops the embedded PostgreSQL, if one was started. */
export default async function releaseDatabase(): Promise<void> {
  const adminUrl = process.env.TEST_ADMIN_URL;
  if (adminUrl && process.env.TEST_TEMPLATE_DB) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists "${process.env.TEST_TEMPLATE_DB}" with (force)`);
    await admin.end();
  }
  await ((globalThis as Record<string, unknown>).__hubEmbeddedPg as EmbeddedDatabase | undefined)?.stop();
}
