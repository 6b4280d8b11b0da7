import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestHub, waitFor, type TestHub } from '../support/test-hub.js';
import { CHROMIUM, CHROMIUM_ARGS, describeWithChromium } from '../support/browser.js';
import { buildDashboardOnce } from '../support/dashboard-build.js';
import { raiseAlerts } from '../../src/alerts/stream/alert.service.js';
import { AlertKind, AlertSeverity } from '../../src/alerts/stream/alert-kind.js';

/**
 * The dashboard in a real headless Chromium (Debian's `chromium` package,
 * driven by playwright-core): it must load with no request beyond the hub,
 * draw the price chart and show an alert raised while it is open.
 */
const ARTIFACTS = path.resolve('test-artifacts');

// Without Chromium (a machine with only Node) the whole file is skipped with one line (test/support/browser.ts).
describeWithChromium('dashboard', () => {
  let t: TestHub;
  let context: BrowserContext | undefined;
  let page: Page;
  let userDataDir: string;
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const authorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    // The bundle the hub serves at /dashboard, built as `npm run build` does (once for all browser test files).
    await buildDashboardOnce();
    // Only trusted documents: everything the dashboard sends must be in schema/persisted-operations.json.
    t = await startTestHub({ TRUSTED_DOCUMENTS: 'only' });
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-dashboard-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: ['--headless', ...CHROMIUM_ARGS],
    });
    const hubOrigin = new URL(t.url).origin;
    // Anything not addressed to the hub fails the test (and is never let out).
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin !== hubOrigin && !url.startsWith('data:')) {
        foreign.push(url);
        return route.abort();
      }
      if (url.endsWith('/graphql')) authorizations.push(route.request().headers().authorization);
      return route.continue();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('websocket', (ws) => {
      if (new URL(ws.url()).host !== new URL(t.url).host) foreign.push(ws.url());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await t?.close();
  });

  describe('pages', () => {
    it('loads from the hub alone and draws the price trend from the GraphQL API', async () => {
      const response = await page.goto(`${t.url}/dashboard/`);
      expect(response?.status()).toBe(200);
      await page.waitForSelector('#price-chart canvas', { timeout: 30_000 });
      await page.waitForFunction(`/条报价/.test(document.querySelector('#price-status')?.textContent ?? '')`, undefined, { timeout: 30_000 });
      const status = await page.textContent('#price-status');
      expect(status).toMatch(/^苹果：/);
      expect(Number(status!.match(/(\d+) 条报价/)![1])).toBeGreaterThan(0);
      // uPlot drew the band and lines: the legend lists the series.
      const legend = await page.locator('#price-chart .u-legend .u-label').allTextContents();
      expect(legend).toEqual(expect.arrayContaining(['最低', '最高', '均价', '中位价']));
      await page.waitForSelector('#coverage-rows tr td', { timeout: 15_000 });
      await page.waitForSelector('#live-state[data-state="connected"]', { timeout: 15_000 });
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
    });

    it('shows an alert raised while it is open, live over graphql-ws, and saves a screenshot', async () => {
      const message = `苹果（红富士）at 北京新发地: 19.80 yuan/kg, +62.0% against the rolling mean (dashboard test ${Date.now()})`;
      await raiseAlerts(t.hub.db.orm.em.fork(), t.hub.pubSub.pubSub, [
        {
          kind: AlertKind.PRICE_SPIKE,
          severity: AlertSeverity.CRITICAL,
          message,
          dedupeKey: `dashboard-test:${Date.now()}`,
          regionCode: '14',
          details: { price: 19.8 },
        },
      ]);
      const item = page.locator('#alert-list li.live', { hasText: 'dashboard test' });
      await item.waitFor({ timeout: 10_000 });
      expect(await item.textContent()).toContain('PRICE_SPIKE');
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
      expect(fs.statSync(path.join(ARTIFACTS, 'dashboard.png')).size).toBeGreaterThan(10_000);
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
    });

    it("sends the caller's API key with every request once one is entered", async () => {
      authorizations.length = 0;
      await page.fill('#api-key', 'hub_demo_key_for_test');
      await page.click('#key-form button');
      await page.waitForFunction(`document.querySelector('#key-state')?.textContent === '已使用密钥'`);
      await waitFor(() => authorizations.length > 0, 15_000, 'a request after the key was entered');
      expect(authorizations.every((a) => a === 'Bearer hub_demo_key_for_test')).toBe(true);
      expect(await page.evaluate(`localStorage.getItem('harvest-hub.apiKey')`)).toBe('hub_demo_key_for_test');
    });
  });
});
