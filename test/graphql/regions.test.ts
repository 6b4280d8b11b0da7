import { startTestHub, type TestHub } from '../support/test-hub.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

describe('regions', () => {
  it("lists Shanxi's real county-level divisions with their codes", async () => {
    const res = await t.gql(`{ regions(level: COUNTY, under: "14", first: 200) { totalCount edges { node { code name } } } }`);
    expect(res.errors).toBeUndefined();
    const counties = res.data.regions.edges.map((e: any) => e.node);
    expect(res.data.regions.totalCount).toBe(counties.length);
    expect(counties.length).toBeGreaterThan(100);
    expect(counties).toContainEqual({ code: '140121', name: '清徐县' });
    expect(counties).toContainEqual({ code: '140728', name: '平遥县' });
    expect(counties.every((c: any) => c.code.startsWith('14') && c.code.length === 6)).toBe(true);
  });

  it('includes the whole subtree of a county: its townships and villages', async () => {
    const res = await t.gql(`{
      townships: regions(under: "140121", level: TOWNSHIP, first: 500) { totalCount nodes { code } }
      villages: regions(under: "140121", level: VILLAGE, first: 1) { totalCount nodes { code parent { code parent { code name } } } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.townships.totalCount).toBeGreaterThan(5);
    expect(res.data.townships.nodes.every((n: any) => n.code.startsWith('140121') && n.code.length === 9)).toBe(true);
    expect(res.data.villages.totalCount).toBeGreaterThan(50);
    expect(res.data.villages.nodes[0].parent.parent).toEqual({ code: '140121', name: '清徐县' });
  });

  it('derives ancestors from the code and lists children', async () => {
    const res = await t.gql(`{ region(code: "140121") { name level ancestors { code } children { code level } } }`);
    expect(res.data.region.level).toBe('COUNTY');
    expect(res.data.region.ancestors.map((a: any) => a.code)).toEqual(['14', '1401']);
    expect(res.data.region.children.length).toBeGreaterThan(5);
    expect(res.data.region.children.every((c: any) => c.level === 'TOWNSHIP')).toBe(true);
  });

  it('answers a malformed region code with BAD_USER_INPUT naming the argument', async () => {
    const res = await t.gql(`{ regions(under: "14x", first: 5) { totalCount } }`);
    expect(res.data).toBeNull();
    expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions!.argumentName).toBe('under');
    expect(res.errors![0].message).toContain('"under"');
  });

  it('refuses a page larger than 500', async () => {
    const res = await t.gql(`{ regions(first: 501) { totalCount } }`);
    expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions!.argumentName).toBe('first');
  });
});

describe('Relay object identification', () => {
  it('fetches any object again through node(id)', async () => {
    const listed = await t.gql(`{ regions(under: "140121", level: COUNTY, first: 1) { nodes { id code } } products(first: 1) { nodes { id code } } }`);
    const region = listed.data.regions.nodes[0];
    const product = listed.data.products.nodes[0];
    const res = await t.gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Region { code } ... on Product { code } } }`, {
      ids: [region.id, product.id, 'bm9wZQ'],
    });
    expect(res.data.nodes).toEqual([
      { id: region.id, __typename: 'Region', code: '140121' },
      { id: product.id, __typename: 'Product', code: product.code },
      null,
    ]);
  });
});

describe('cursor connections', () => {
  const page = `query ($first: Int, $after: String, $last: Int, $before: String) {
    regions(level: CITY, under: "14", first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { code } }
    }
  }`;

  it('walks forward and backward over the same items without gaps or repeats', async () => {
    const all = (await t.gql(page, { first: 50 })).data.regions.edges.map((e: any) => e.node.code);
    expect(all).toHaveLength(11);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await t.gql(page, { first: 4, after });
      seen.push(...res.data.regions.edges.map((e: any) => e.node.code));
      if (!res.data.regions.pageInfo.hasNextPage) break;
      after = res.data.regions.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);

    const lastTwo = (await t.gql(page, { last: 2 })).data.regions;
    expect(lastTwo.edges.map((e: any) => e.node.code)).toEqual(all.slice(-2));
    expect(lastTwo.pageInfo.hasPreviousPage).toBe(true);
    const before = (await t.gql(page, { last: 3, before: lastTwo.pageInfo.startCursor })).data.regions;
    expect(before.edges.map((e: any) => e.node.code)).toEqual(all.slice(-5, -2));
  });

  it('rejects a cursor from elsewhere with BAD_USER_INPUT on "after"', async () => {
    const res = await t.gql(page, { first: 2, after: 'not-a-cursor' });
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'after' });
  });
});
