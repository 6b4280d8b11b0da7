import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { startTestHub, waitFor, type TestHub } from '../support/test-hub.js';
import { describeWithChromium, launchChromium, onlyOrigin, saveScreenshot } from '../support/browser.js';

describeWithChromium('GraphiQL in a real browser', () => {
  let t: TestHub;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestHub();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('runs an example query and a live subscription with assets from the hub only', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const failed = (error: unknown) => saveScreenshot(page, 'graphiql-failure').then(() => Promise.reject(error));
    const blocked = await onlyOrigin(page, t.url);
    await page.goto(`${t.url}/graphiql`);
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });

    // First tab: Shanxi's counties.
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.result-window').getByText('"totalCount": 121').waitFor({ timeout: 15_000 }).catch(failed);

    // The live prices tab: start the subscription, then store a matching price.
    await page.getByText('LivePrices', { exact: true }).click();
    await page.locator('.graphiql-query-editor').getByText('priceObserved').waitFor();
    await page.waitForTimeout(500); // as a person would: GraphiQL settles the tab's operation name
    await page.locator('.graphiql-execute-button').click();
    await waitFor(async () => (await t.metric('hub_graphql_open_subscriptions')) === 1, 10_000, 'the GraphiQL subscription').catch(failed);
    const stored = await t.gql(`mutation { recordPriceObservations(input: { connector: "browser-test", observations: [{
      sourceKey: "gq-1", rawName: "玉露香梨-浏览器", product: "apple", market: "beijing-xinfadi", observedOn: "2026-07-20", avgPrice: 5.5, unit: "斤" }] }) { stored } }`);
    expect(stored.data.recordPriceObservations.stored).toBe(1);
    await page.locator('.result-window').getByText('玉露香梨-浏览器').waitFor({ timeout: 15_000 }).catch(failed);

    const file = await saveScreenshot(page, 'graphiql-subscription');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
    expect(blocked).toEqual([]);
  });
});
