import { startTestHub, type TestHub } from '../support/test-hub.js';

/** The dashboard's product picker searches the catalogue as an official types (issue #15). */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

const search = async (text: string) => {
  const res = await t.gql(`query ($s: String!) { products(search: $s, first: 50) { nodes { code } } }`, { s: text });
  expect(res.errors).toBeUndefined();
  return res.data.products.nodes.map((p: { code: string }) => p.code);
};

describe('products(search:)', () => {
  it('finds a product by its Chinese name, an alias, a variety or a variety alias', async () => {
    expect(await search('马铃薯')).toContain('potato');
    expect(await search('洋芋')).toContain('potato'); // alias
    expect(await search('红富士')).toContain('apple'); // variety
    expect(await search('冰糖心')).toContain('apple'); // alias of the variety 红富士
    expect(await search('Potato')).toContain('potato'); // English name, any case
  });

  it('finds nothing for a name nothing carries', async () => {
    expect(await search('不存在的产品名')).toEqual([]);
  });
});
