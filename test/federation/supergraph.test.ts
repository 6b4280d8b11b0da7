import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { parse } from 'graphql';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { toGlobalId } from '../../src/relay/global-id.js';

/**
 * Federation (issue #15): with FEDERATION=true the hub is an Apollo Federation 2
 * subgraph. Composed here with a small "listings" subgraph that extends Product
 * and points at hub shipments, behind a real @apollo/gateway that forwards the
 * caller's key, so each query below crosses both subgraphs.
 */
let t: TestHub;
let listings: { server: ApolloServer; url: string };
let gateway: ApolloServer<{ authorization?: string }>;
const keys: Record<string, string> = {};
const shipmentIds: Record<string, string> = {};

/** The second subgraph: shop listings of farm products, each shipped as a hub parcel. */
async function startListingsSubgraph(data: { title: string; productCode: string; shipmentId: string }[]) {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Listing { title: String! product: Product! shipment: Shipment }
    type Product @key(fields: "code") { code: String! listings: [Listing!]! }
    type Shipment @key(fields: "id", resolvable: false) { id: ID! }
    type Query { featuredListings: [Listing!]! }
  `);
  const view = (l: (typeof data)[number]) => ({ title: l.title, product: { code: l.productCode }, shipment: { __typename: 'Shipment', id: l.shipmentId } });
  const resolvers = {
    Query: { featuredListings: () => data.map(view) },
    Product: {
      __resolveReference: (ref: { code: string }) => ({ code: ref.code }),
      listings: (product: { code: string }) => data.filter((l) => l.productCode === product.code).map(view),
    },
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { server, url, typeDefs };
}

beforeAll(async () => {
  t = await startTestHub({ FEDERATION: 'true' });
  const [zto] = await t.sql(`select id from courier where code = 'zhongtong'`);
  const [yd] = await t.sql(`select id from courier where code = 'yunda'`);
  for (const [name, courier, number, phone] of [
    ['zto', zto.id, 'ZT9001', '13812341234'],
    ['yd', yd.id, 'YD9001', '13700002222'],
  ] as const) {
    const [row] = await t.sql(
      `insert into shipment (source_connector, source_key, courier_id, tracking_number, recipient_name, recipient_phone, recipient_address)
       values ('fed', $1, $2, $1, '张三', $3, '山西省运城市临猗县北景乡西张村12号') returning id`,
      [number, courier, phone],
    );
    shipmentIds[name] = toGlobalId('Shipment', row.id);
  }
  keys.official = await t.createKey({ role: 'OFFICIAL' });
  keys.zto = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });

  const started = await startListingsSubgraph([
    { title: '临猗红富士 10斤装', productCode: 'apple', shipmentId: shipmentIds.zto },
    { title: '红富士 礼盒', productCode: 'apple', shipmentId: shipmentIds.yd },
  ]);
  listings = started;
  // The hub's subgraph SDL, as a router or `rover subgraph introspect` reads it.
  const sdl = await t.gql(`{ _service { sdl } }`);
  expect(sdl.errors).toBeUndefined();
  const composed = composeServices([
    { name: 'hub', url: `${t.url}/graphql`, typeDefs: parse(sdl.data._service.sdl) },
    { name: 'listings', url: started.url, typeDefs: started.typeDefs },
  ]);
  expect(composed.errors).toBeUndefined();
  gateway = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: composed.supergraphSdl!,
      // The router forwards the caller's credentials to every subgraph.
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource<{ authorization?: string }>({
          url,
          willSendRequest({ request, context }) {
            if (context.authorization) request.http!.headers.set('authorization', context.authorization);
          },
        }),
    }),
  });
  await gateway.start();
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
  await listings?.server.stop();
  await t?.close();
});

async function supergraph(key: string, query: string) {
  const res = await gateway.executeOperation({ query }, { contextValue: { authorization: `Bearer ${key}` } });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  return res.body.singleResult as { data?: any; errors?: { message: string }[] };
}

describe('the hub as a Federation 2 subgraph', () => {
  it('publishes its SDL with @key on Product, Region, Market and Shipment', async () => {
    const { data } = await t.gql(`{ _service { sdl } }`);
    for (const type of ['Product', 'Region', 'Market'])
      expect(data._service.sdl).toMatch(new RegExp(`type ${type} implements Node @key\\(fields: "code"\\) @key\\(fields: "id"\\)`));
    expect(data._service.sdl).toMatch(/type Shipment implements Node @key\(fields: "id"\)/);
  });

  it('answers a supergraph query that crosses both subgraphs (listings -> hub products and parcels -> listings)', async () => {
    const res = await supergraph(
      keys.official,
      `{
      featuredListings { title product { code name listings { title } } shipment { trackingNumber status courier { code } recipientPhone } }
    }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.featuredListings).toEqual([
      {
        title: '临猗红富士 10斤装',
        product: { code: 'apple', name: '苹果', listings: [{ title: '临猗红富士 10斤装' }, { title: '红富士 礼盒' }] },
        // Personal data stays masked through the router, as on the hub itself.
        shipment: { trackingNumber: 'ZT9001', status: expect.any(String), courier: { code: 'zhongtong' }, recipientPhone: '138****1234' },
      },
      expect.objectContaining({ title: '红富士 礼盒', shipment: expect.objectContaining({ trackingNumber: 'YD9001', courier: { code: 'yunda' } }) }),
    ]);
    // And from the hub's side: a hub query whose products gain the listings subgraph's field.
    const fromHub = await supergraph(keys.official, `{ product(code: "apple") { name listings { title } } market(code: "beijing-xinfadi") { code name } }`);
    expect(fromHub.errors).toBeUndefined();
    expect(fromHub.data.product).toEqual({ name: '苹果', listings: [{ title: '临猗红富士 10斤装' }, { title: '红富士 礼盒' }] });
  });

  it("resolves another courier's shipment to null for a courier: a reference does not leak a row the caller may not see", async () => {
    const res = await supergraph(keys.zto, `{ featuredListings { title shipment { trackingNumber recipientName recipientPhone } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.featuredListings).toEqual([
      { title: '临猗红富士 10斤装', shipment: { trackingNumber: 'ZT9001', recipientName: '张*', recipientPhone: '138****1234' } },
      { title: '红富士 礼盒', shipment: null },
    ]);
    // Asked of the hub directly, as a router would, the same: null, not an error that tells the row exists.
    const direct = await t.as(keys.zto).gql(`query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Shipment { trackingNumber } } }`, {
      reps: [
        { __typename: 'Shipment', id: shipmentIds.yd },
        { __typename: 'Shipment', id: shipmentIds.zto },
        { __typename: 'Region', code: '140821' },
      ],
    });
    expect(direct.errors).toBeUndefined();
    expect(direct.data._entities).toEqual([null, { trackingNumber: 'ZT9001' }, {}]);
  });
});
