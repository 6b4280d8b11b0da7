import 'reflect-metadata';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { ormOptions } from '../../src/database.js';
import { startHub } from '../../src/app.js';
import { seedCatalog } from '../../seeds/catalog.seed.js';
import { PRODUCTS } from '../../seeds/catalog.data.js';
import { withDatabase } from '../support/database-url.js';

/**
 * Reference data is not demo data (issue #14): a real deployment
 * (SEED_DEMO=false, DATABASE_URL set) starts on an empty database with
 * regions, catalogue, markets, couriers and nodes, and no generated facts;
 * later starts keep it in line with the files; a connector naming a market
 * the hub does not know stops the start, naming the connector and the field.
 */
const database = `ref_t_${process.pid}_${Date.now() % 100000}`;
const url = withDatabase(process.env.TEST_ADMIN_URL!, database);

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const start = (env: Record<string, string> = {}) =>
  startHub(
    loadConfig({ DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', DB_POOL_SIZE: '3', NODE_ENV: 'test', DEMO_MODE: 'true', ...env }),
    createLogger('silent'),
  );

beforeAll(() => admin(`create database "${database}"`));
afterAll(() => admin(`drop database if exists "${database}" with (force)`));

describe('a hub started with SEED_DEMO=false on an empty database', () => {
  it('loads regions, catalogue, markets, couriers and logistics nodes, and no demo facts', async () => {
    const hub = await start();
    await hub.close();
    const [counts] = await sql(`select (select count(*)::int from region) as regions, (select count(*)::int from product) as products,
      (select count(*)::int from product_category) as categories, (select count(*)::int from variety) as varieties,
      (select count(*)::int from market) as markets, (select count(*)::int from courier) as couriers,
      (select count(*)::int from logistics_node) as nodes, (select count(*)::int from origin_label) as origins,
      (select count(*)::int from price_observation) as prices, (select count(*)::int from shipment) as parcels,
      (select count(*)::int from courier_credential) as secrets`);
    expect(counts).toMatchObject({ regions: 23_380, products: PRODUCTS.length, prices: 0, parcels: 0, secrets: 0 });
    expect(counts.markets).toBeGreaterThanOrEqual(14);
    expect(counts.couriers).toBeGreaterThan(0);
    expect(counts.nodes).toBeGreaterThan(0);
    expect(counts.origins).toBeGreaterThan(0);
    const versions = await sql<{ name: string }>('select name from seed_version order by name');
    expect(versions.map((v) => v.name)).toEqual(['catalogue', 'reference', 'regions']);
  });

  it('leaves an unchanged catalogue alone on the next start', async () => {
    const [before] = await sql<{ loaded_at: Date }>(`select loaded_at from seed_version where name = 'catalogue'`);
    const hub = await start();
    await hub.close();
    const [after] = await sql<{ loaded_at: Date }>(`select loaded_at from seed_version where name = 'catalogue'`);
    expect(after.loaded_at).toEqual(before.loaded_at);
  });

  it('brings the database back in line with changed catalogue files, keeping product ids', async () => {
    const [{ id }] = await sql<{ id: number }>(`select id from product where code = 'cabbage'`);
    // What an older catalogue version would have left: other aliases, a variety the files no longer list.
    await sql(`update product set aliases = '{白菜}' where code = 'cabbage'`);
    await sql(`insert into variety (product_id, name, aliases) values ($1, '旧品种', '{}')`, [id]);
    await sql(`update seed_version set hash = 'an-older-version' where name = 'catalogue'`);
    const orm = await MikroORM.init(ormOptions(url, 2));
    try {
      const result = await seedCatalog(orm.em.fork());
      expect(result).toMatchObject({ changed: true, varietiesRemoved: 1 });
      expect((await seedCatalog(orm.em.fork())).changed).toBe(false);
    } finally {
      await orm.close(true);
    }
    const [cabbage] = await sql<{ id: number; aliases: string[] }>(`select id, aliases from product where code = 'cabbage'`);
    expect(cabbage.id).toBe(id);
    expect(cabbage.aliases).toEqual(expect.arrayContaining(['圆白菜', '洋白菜', '包菜', '椰菜']));
    expect(cabbage.aliases).not.toContain('白菜');
    expect(await sql(`select 1 from variety where name = '旧品种'`)).toHaveLength(0);
  });

  it('refuses to start a connector whose config names an unknown market, naming the connector and the field', async () => {
    const connectors = JSON.stringify([
      { name: 'guangzhou-list', module: 'wholesale-prices', config: { market: 'guangzhou-jiangnan' } },
      {
        name: 'typo-list',
        module: 'wholesale-prices',
        config: { market: 'beijing-xinfadl', marketCodes: { 北京新发地: 'beijing-xinfadi', 上海江桥: 'shanghai-jiangqiao' } },
      },
    ]);
    await expect(start({ CONNECTORS: connectors })).rejects.toThrow(/typo-list: config\.market: unknown market "beijing-xinfadl"/);
    await expect(start({ CONNECTORS: connectors })).rejects.toThrow(/typo-list: config\.marketCodes\.上海江桥: unknown market "shanghai-jiangqiao"/);
    // The correct one alone starts.
    const hub = await start({ CONNECTORS: JSON.stringify([JSON.parse(connectors)[0]]) });
    await hub.close();
  });
});
