import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

const RECORD = `mutation ($input: RecordPricesInput!) { recordPriceObservations(input: $input) { stored } }`;
const observation = (key: string, product: string, rawName: string, originRegion: string) => ({
  sourceKey: key,
  rawName,
  product,
  market: 'beijing-xinfadi',
  originRegion,
  observedOn: '2026-07-10',
  avgPrice: 4.2,
  unit: '斤',
});

describe('priceObserved over graphql-ws', () => {
  it('delivers a price stored while the subscription is open, filtered by product and origin subtree', async () => {
    const client = t.ws();
    const apples = subscribe(
      client,
      `subscription { priceObserved(filter: { product: "apple", originUnder: "1408" }) {
      id rawName avgPrice avgPerKg observedOn product { code } market { code name } originRegion { code parent { code } } source { connector key }
    } }`,
    );
    const everything = subscribe(client, `subscription { priceObserved { rawName } }`);
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 2, 15_000, 'two open subscriptions');

    const stored = await t.gql(RECORD, {
      input: { connector: 'live-test', observations: [observation('p1', 'pear', '酥梨', '140821'), observation('p2', 'apple', '红富士', '140821')] },
    });
    expect(stored.data.recordPriceObservations.stored).toBe(2);

    const event = await apples.next();
    expect(event.errors).toBeUndefined();
    expect(event.data.priceObserved).toMatchObject({
      rawName: '红富士',
      avgPrice: 4.2,
      avgPerKg: 8.4,
      observedOn: '2026-07-10',
      product: { code: 'apple' },
      market: { code: 'beijing-xinfadi' },
      originRegion: { code: '140821', parent: { code: '1408' } },
      source: { connector: 'live-test', key: 'p2' },
    });
    expect(typeof event.data.priceObserved.id).toBe('string');
    // The pear matched the unfiltered subscription only.
    const names = [(await everything.next()).data.priceObserved.rawName, (await everything.next()).data.priceObserved.rawName];
    expect(names.sort()).toEqual(['红富士', '酥梨']);
    await expect(apples.next(300)).rejects.toThrow(/no subscription event/);
    apples.dispose();
    everything.dispose();
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 0, 15_000, 'subscriptions closed');
  });

  it('answers a bad subscription filter with BAD_USER_INPUT', async () => {
    const sub = subscribe(t.ws(), `subscription { priceObserved(filter: { originUnder: "abc" }) { rawName } }`);
    const result = await sub.next();
    expect(JSON.stringify(result.errors)).toContain('originUnder');
  });
});
