import fs from 'node:fs';
import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';
import { MANIFEST_FILE, currentManifest } from '../../scripts/lib/trusted-document-sources.js';
import { sha256 } from '../../src/trusted-documents/manifest.js';

const { manifest } = currentManifest();
const op = (name: string) => {
  const found = manifest.operations.find((o) => o.name === name);
  if (!found) throw new Error(`no ${name} in the manifest`);
  return found;
};
/** The JSON body of a response (untyped, as tests read it). */
const json = async (response: Promise<Response>): Promise<any> => (await response).json();
const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe('the persisted-operation manifest', () => {
  it('is the one generated from the dashboard and GraphiQL documents (npm run documents:generate)', () => {
    expect(fs.readFileSync(MANIFEST_FILE, 'utf8')).toBe(currentManifest().text);
    expect(manifest.operations.map((o) => o.name)).toEqual(expect.arrayContaining(['Counties', 'LivePrices', 'DashboardPriceTrend', 'DashboardLiveAlerts']));
    for (const o of manifest.operations) expect(o.id).toBe(sha256(o.body));
  });
});

describe('TRUSTED_DOCUMENTS=only', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ TRUSTED_DOCUMENTS: 'only' });
  });
  afterAll(() => t?.close());

  it('runs a manifest operation named by its id (APQ extension, documentId, GET), or sent as its text', async () => {
    const counties = op('Counties');
    const byApq = await json(t.post({ extensions: apq(counties.id) }));
    expect(byApq.data.regions.totalCount).toBe(121);
    const byDocumentId = await json(t.post({ documentId: `sha256:${counties.id}` }));
    expect(byDocumentId.data.regions.totalCount).toBe(121);
    const get = await fetch(`${t.url}/graphql?extensions=${encodeURIComponent(JSON.stringify(apq(counties.id)))}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as any).data.regions.totalCount).toBe(121);
    // The same text with other white space and no comments is the same document.
    const respelled = counties.body.replace(/#.*\n/g, '').replace(/\s+/g, ' ');
    expect((await t.gql(respelled)).data.regions.totalCount).toBe(121);
  });

  it('refuses anything else, over HTTP: another text, an unknown id, an APQ registration', async () => {
    const other = await t.post({ query: '{ regions(level: CITY, first: 20) { totalCount } }' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as any).errors[0].extensions.code).toBe('QUERY_NOT_IN_SAFELIST');
    const unknown = await t.post({ extensions: apq('0'.repeat(64)) });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const text = '{ viewer { role } }';
    const register = await t.post({ query: text, extensions: apq(sha256(text)) });
    expect(((await register.json()) as any).errors[0].extensions.code).toBe('QUERY_NOT_IN_SAFELIST');
    // A batch with one refused operation is refused whole, naming it.
    const batch = await t.post([{ extensions: apq(op('Counties').id) }, { query: text }]);
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as any).errors[0]).toMatchObject({
      message: expect.stringMatching(/^operation 1:/),
      extensions: { code: 'QUERY_NOT_IN_SAFELIST' },
    });
  });

  it('over graphql-ws: a subscription by id runs and hears events; another text is refused', async () => {
    const client = t.ws();
    const refused = subscribe(client, 'subscription { priceObserved { rawName } }');
    expect((await refused.next()).errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_NOT_IN_SAFELIST' } });
    const unknown = subscribe(client, '', undefined, { extensions: apq('f'.repeat(64)) });
    expect((await unknown.next()).errors?.[0]).toMatchObject({ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } });
    const live = subscribe(client, '', undefined, { extensions: apq(op('LivePrices').id) });
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 15_000, 'the persisted subscription');
    // GraphiQL's RecordPrice example, run by its id, stores an apple price the subscription hears.
    const recorded = await json(t.post({ extensions: apq(op('RecordPrice').id) }));
    expect(recorded.data.recordPriceObservations.stored).toBe(1);
    expect((await live.next()).data.priceObserved).toMatchObject({ rawName: '红富士', market: { name: expect.any(String) } });
    live.dispose();
  });
});

describe('TRUSTED_DOCUMENTS=allow (the default): automatic persisted queries', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(() => t?.close());

  it('follows the APQ protocol: unknown hash, then hash with text, then hash alone', async () => {
    const text = 'query ViewerRole { viewer { role } }';
    const hash = sha256(text);
    const first = await t.post({ extensions: apq(hash) });
    expect(first.status).toBe(200);
    expect(((await first.json()) as any).errors[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    expect((await json(t.post({ query: text, extensions: apq(hash) }))).data).toEqual({ viewer: { role: 'ADMIN' } });
    expect((await json(t.post({ extensions: apq(hash) }))).data).toEqual({ viewer: { role: 'ADMIN' } });
    // Over graphql-ws too, once registered.
    const sub = subscribe(t.ws(), '', undefined, { extensions: apq(hash) });
    expect((await sub.next()).data).toEqual({ viewer: { role: 'ADMIN' } });
    // Any text still runs, and manifest ids too.
    expect((await t.gql('{ regions(level: CITY, first: 20) { totalCount } }')).data.regions.totalCount).toBe(11);
    expect((await json(t.post({ extensions: apq(op('Counties').id) }))).data.regions.totalCount).toBe(121);
  });

  it('refuses a text that does not hash to the id sent with it, and malformed ids', async () => {
    const res = await t.post({ query: '{ viewer { role } }', extensions: apq(sha256('something else')) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    const bad = await t.post({ extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } });
    expect(((await bad.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_INVALID');
  });
});

describe('TRUSTED_DOCUMENTS=off', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ TRUSTED_DOCUMENTS: 'off' });
  });
  afterAll(() => t?.close());

  it('runs texts and answers PERSISTED_QUERY_NOT_SUPPORTED to an id', async () => {
    expect((await t.gql('{ viewer { role } }')).data).toEqual({ viewer: { role: 'ADMIN' } });
    const res = await t.post({ extensions: apq(op('Counties').id) });
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });
});
