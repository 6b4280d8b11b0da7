import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startTestHub, waitFor, type TestHub } from '../support/test-hub.js';
import { describeWithChromium, launchChromium, onlyOrigin, saveScreenshot } from '../support/browser.js';

const RECORD = (key: string, rawName: string) => `mutation { recordPriceObservations(input: { connector: "browser-test", observations: [{
  sourceKey: "${key}", rawName: "${rawName}", product: "apple", market: "beijing-xinfadi", observedOn: "2026-07-20", avgPrice: 5.5, unit: "斤" }] }) { stored } }`;

/** Opens GraphiQL with every request outside the hub refused; `failed` saves a screenshot before rethrowing. */
async function openGraphiql(browser: Browser, t: TestHub, name: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const failed = (error: unknown) => saveScreenshot(page, `${name}-failure`).then(() => Promise.reject(error));
  const blocked = await onlyOrigin(page, t.url);
  await page.goto(`${t.url}/graphiql`);
  await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  return { page, failed, blocked };
}

/** Replaces an editor's text as a paste would (no key-by-key bracket completion). */
async function pasteInto(page: Page, editor: string, text: string) {
  await page.locator(`${editor} .CodeMirror >> visible=true`).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

const result = (page: Page) => page.locator('.result-window');

describeWithChromium('GraphiQL in a real browser', () => {
  let t: TestHub;
  let locked: TestHub;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestHub();
    // Demo mode off: nothing without a key, also over graphql-ws.
    locked = await startTestHub({ DEMO_MODE: 'false' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await locked?.close();
  });

  it('runs an example query and a live subscription with assets from the hub only', async () => {
    const { page, failed, blocked } = await openGraphiql(browser, t, 'graphiql');

    // First tab: Shanxi's counties.
    await page.locator('.graphiql-execute-button').click();
    await result(page).getByText('"totalCount": 121').waitFor({ timeout: 15_000 }).catch(failed);

    // The live prices tab, run as soon as it shows: start the subscription, then store a matching price.
    await page.getByText('LivePrices', { exact: true }).click();
    await page.locator('.graphiql-query-editor').getByText('priceObserved').waitFor();
    await page.locator('.graphiql-execute-button').click();
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 15_000, 'the GraphiQL subscription').catch(failed);
    const stored = await t.gql(RECORD('gq-1', '玉露香梨-浏览器'));
    expect(stored.data.recordPriceObservations.stored).toBe(1);
    await result(page).getByText('玉露香梨-浏览器').waitFor({ timeout: 15_000 }).catch(failed);

    const file = await saveScreenshot(page, 'graphiql-subscription');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
    expect(blocked).toEqual([]);
    await page.close();
  });

  it('runs what is in the editor: a query pasted over the first tab and run at once (regression: Unknown operation named "Counties")', async () => {
    const { page, failed, blocked } = await openGraphiql(browser, t, 'graphiql-typed');
    const sent: { operationName?: string | null; query: string }[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/graphql') && request.method() === 'POST') {
        const body = JSON.parse(request.postData() ?? '{}');
        if (body.operationName !== 'IntrospectionQuery') sent.push(body);
      }
    });
    await pasteInto(page, '.graphiql-query-editor', 'query CityNames { regions(level: CITY, under: "14", first: 20) { totalCount nodes { code name } } }');
    await page.keyboard.press('Control+Enter');
    await result(page).getByText('"totalCount": 11').waitFor({ timeout: 15_000 }).catch(failed);
    expect(await result(page).textContent()).not.toContain('Unknown operation');
    expect(sent.at(-1)).toMatchObject({ operationName: 'CityNames' });

    // An anonymous operation typed over a named one: no operation name is sent.
    await pasteInto(page, '.graphiql-query-editor', '{ region(code: "140121") { name } }');
    await page.keyboard.press('Control+Enter');
    await result(page).getByText('清徐县').waitFor({ timeout: 15_000 }).catch(failed);
    expect(sent.at(-1)?.operationName ?? null).toBeNull();
    expect(blocked).toEqual([]);
    await page.close();
  });

  it("subscribes with the header editor's key when demo mode is off (sent as graphql-ws connectionParams)", async () => {
    const key = await locked.createKey({ role: 'OFFICIAL', organisation: 'graphiql-official' });
    const { page, failed, blocked } = await openGraphiql(browser, locked, 'graphiql-key');
    const inits: unknown[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload));
        if (message.type === 'connection_init') inits.push(message.payload ?? {});
      }),
    );
    await page.getByText('LivePrices', { exact: true }).click();
    await page.locator('.graphiql-query-editor').getByText('priceObserved').waitFor();

    // Without a key the socket is refused (4401) and nothing is subscribed.
    await page.locator('.graphiql-execute-button').click();
    await result(page)
      .getByText(/4401|Unauthorized|UNAUTHENTICATED|authenticat/i)
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(failed);
    expect(await locked.metric('hub_graphql_open_subscriptions')).toBe(0);

    // The key pasted into the header editor, as a person does.
    await page.getByRole('button', { name: 'Headers' }).click();
    await pasteInto(page, '.graphiql-editor-tool', `{ "Authorization": "Bearer ${key}" }`);
    await page.locator('.graphiql-execute-button').click();
    await waitFor(async () => (await locked.metric('hub_graphql_open_subscriptions')) === 1, 15_000, 'the keyed subscription').catch(failed);
    const stored = await locked.gql(RECORD('gq-key-1', '玉露香梨-带钥匙'));
    expect(stored.data.recordPriceObservations.stored).toBe(1);
    await result(page).getByText('玉露香梨-带钥匙').waitFor({ timeout: 15_000 }).catch(failed);
    // The first socket went without credentials, the second with the header editor's key.
    expect(inits).toEqual([{}, { authorization: `Bearer ${key}` }]);
    await page.locator('.graphiql-execute-button').click(); // stop
    await waitFor(async () => (await locked.metric('hub_graphql_open_subscriptions')) === 0, 15_000, 'the subscription to stop');
    expect(blocked).toEqual([]);
    await page.close();
  });
});
