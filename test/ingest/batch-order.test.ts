import { startTestHub, type TestHub } from '../support/test-hub.js';
import { BatchOrder, IngestSession, PreviousBatchFailedError } from '../../src/ingest/pipeline.js';

/**
 * Two batches of one load in flight (issue #13, `BatchOrder` in src/ingest/pipeline.ts): the second batch's new
 * prices go in while the first is still open, but the second commits only after the first did, and stores nothing
 * if the first failed. The aggregates stay exact either way.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

/** A quote; `months` > 1 spreads a batch over several months (then it goes through the parent, else into the month's partition). */
const row = (i: number, months = 3) => ({
  品名: i % 3 ? '富士苹果' : '鸭梨',
  平均价: 3 + (i % 5),
  规格: `spec-${i}`,
  发布日期: `2024-0${(i % months) + 3}-${String((i % 28) + 1).padStart(2, '0')}`,
});

function session(connector: string) {
  return new IngestSession(t.hub.db.orm.em.fork(), {
    connector,
    pipeline: 'wholesale-prices',
    map: (raw) => ({
      kind: 'price',
      sourceKey: (raw as any)['规格'],
      rawName: (raw as any)['品名'],
      market: 'beijing-xinfadi',
      observedOn: (raw as any)['发布日期'],
      avgPrice: (raw as any)['平均价'],
      unit: '斤',
    }),
  });
}

const batch = (from: number, to: number, months = 3) =>
  Array.from({ length: to - from }, (_, k) => ({ raw: row(from + k, months), position: `order.csv:${from + k}` }));

const stored = async (connector: string) =>
  Number((await t.sql(`select count(*)::int as n from price_observation where source_connector = $1`, [connector]))[0].n);

/** price_count and price_series_day (with the groups appended to price_series_day_delta, not folded yet) equal GROUP BYs over the facts. */
async function expectAggregatesExact() {
  const [diff] = await t.sql(
    `with f as (select market_id, product_id, variety_id, count(*)::bigint as n from price_observation group by 1, 2, 3),
          c as (select market_id, product_id, variety_id, n from price_count where n <> 0),
          fs as (select product_id, coalesce(variety_id, 0) as variety_id, market_id, observed_on as day, count(*)::int as n, sum(avg_per_kg) as total
                   from price_observation where avg_per_kg is not null and product_id is not null and market_id is not null group by 1, 2, 3, 4),
          s as (select product_id, variety_id, market_id, day, sum(n)::int as n, sum(total) as total
                  from (select product_id, variety_id, market_id, day, n, total from price_series_day
                        union all select product_id, variety_id, market_id, day, n, total from price_series_day_delta) u group by 1, 2, 3, 4)
     select (select count(*) from (select * from f except select * from c) x)::int + (select count(*) from (select * from c except select * from f) x)::int as counts,
            (select count(*) from (select * from fs except select * from s) x)::int + (select count(*) from (select * from s except select * from fs) x)::int as series`,
  );
  expect(diff).toEqual({ counts: 0, series: 0 });
}

describe('two batches in flight', () => {
  it("write the second batch's facts while the first is open, and commit in order (a month's list: straight into its partition)", async () => {
    const s = session('order-feed');
    const first = new BatchOrder();
    const second = new BatchOrder();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const events: string[] = [];
    const one = s.write(batch(0, 300, 1), {
      order: first,
      inTransaction: async () => {
        events.push('first: tail');
        await held;
      },
    });
    await first.factsWritten;
    const two = s.write(batch(300, 600, 1), { after: first, order: second, inTransaction: async () => void events.push('second: tail') });
    // The second batch's prices are written while the first is still open...
    await second.factsWritten;
    events.push('second: facts written');
    expect(await stored('order-feed')).toBe(0);
    release();
    await one;
    events.push('first: committed');
    await two;
    // ... and everything else of it, and its commit, came after the first's commit.
    expect(events).toEqual(['first: tail', 'second: facts written', 'first: committed', 'second: tail']);
    expect(await stored('order-feed')).toBe(600);
    await expectAggregatesExact();
  });

  it('commit in order when the batches span several months (through the parent and its triggers)', async () => {
    const s = session('order-months');
    const first = new BatchOrder();
    const events: string[] = [];
    const one = s.write(batch(0, 300), { order: first, inTransaction: async () => void events.push('first: tail') });
    const two = s.write(batch(300, 600), { after: first, order: new BatchOrder(), inTransaction: async () => void events.push('second: tail') });
    await Promise.all([one, two]);
    expect(events).toEqual(['first: tail', 'second: tail']);
    expect(await stored('order-months')).toBe(600);
    await expectAggregatesExact();
  });

  it('store nothing of the second batch when the first fails', async () => {
    const s = session('order-fail');
    const first = new BatchOrder();
    const one = s.write(batch(0, 200), {
      order: first,
      inTransaction: async () => {
        throw new Error('the disk is full');
      },
    });
    const two = s.write(batch(200, 400), { after: first, order: new BatchOrder() });
    await expect(one).rejects.toThrow('the disk is full');
    await expect(two).rejects.toBeInstanceOf(PreviousBatchFailedError);
    expect(await stored('order-fail')).toBe(0);
    expect(await t.sql(`select count(*)::int as n from rejected_record where connector = 'order-fail'`)).toEqual([{ n: 0 }]);
    await expectAggregatesExact();
  });

  it('store a key both batches carry once (the second waits for the first, then skips it)', async () => {
    const s = session('order-overlap');
    const first = new BatchOrder();
    const one = s.write(batch(0, 250), { order: first });
    const two = s.write(batch(200, 450), { after: first, order: new BatchOrder() });
    const [a, b] = await Promise.all([one, two]);
    expect(a.counts).toMatchObject({ stored: 250, duplicates: 0 });
    expect(b.counts).toMatchObject({ stored: 200, duplicates: 50 });
    expect(await stored('order-overlap')).toBe(450);
    await expectAggregatesExact();
  });

  it('do not hang when another writer under the same connector name closes a cycle through the wait for the batch before', async () => {
    // The cycle (session 7): the second batch has written its keys and waits IN THE HUB for the first to commit; another
    // writer (a second run of the connector) holds the connector's state row and inserts one of those keys, so it waits
    // for the second batch; the first batch, saving its cursor, waits for that writer's row. PostgreSQL saw two waits
    // and no cycle (the third was a JavaScript promise), so all three waited forever.
    await t.sql(`insert into connector_state (name, module) values ('order-race', 'test') on conflict do nothing`);
    const saveCursor = (client: { query(text: string): Promise<unknown> }, who: string) =>
      client.query(`update connector_state set cursor = '"${who}"' where name = 'order-race'`);
    const s = session('order-race');
    const first = new BatchOrder();
    const second = new BatchOrder();
    let otherLocked!: () => void;
    const locked = new Promise<void>((resolve) => (otherLocked = resolve));
    const one = s.write(batch(0, 300, 1), {
      order: first,
      inTransaction: async (client) => {
        await locked;
        await saveCursor(client, 'first');
      },
    });
    await first.factsWritten;
    const two = s.write(batch(300, 600, 1), { after: first, order: second, inTransaction: async (client) => void (await saveCursor(client, 'second')) });
    const other = session('order-race').write(batch(300, 301, 1), {
      beforeWrite: async (client) => {
        await saveCursor(client, 'other');
        otherLocked();
        // Its facts go in once the second batch holds the same key.
        await second.factsWritten;
      },
    });
    const outcomes = await Promise.allSettled([one, two, other]);
    // PostgreSQL now sees the cycle and cancels one transaction (40P01), whose batch runs again. Each batch committed
    // whole or stored nothing; one that failed says why (the other writer may find the key stored once its retries
    // are spent, as it would without the cycle).
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(String(outcome.reason)).toMatch(/deadlock detected|batch before failed|duplicate key value/);
    }
    const [ranges] = await t.sql(
      `select count(*) filter (where split_part(source_key, '-', 2)::int < 300)::int as first,
              count(*) filter (where split_part(source_key, '-', 2)::int >= 300)::int as second
         from price_observation where source_connector = 'order-race'`,
    );
    expect([0, 300]).toContain(ranges.first);
    expect([0, 1, 300]).toContain(ranges.second);
    await expectAggregatesExact();
  }, 60_000);
});
