import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { describeWithChromium, launchChromium, onlyOrigin, saveScreenshot } from '../support/browser.js';
import { buildDashboardOnce } from '../support/dashboard-build.js';
import { insertParcels } from '../analytics/parcel-fixtures.js';
import { storePrices } from '../../src/ingest/price-writer.js';

/**
 * The officials' dashboard panels of issue #15 in a real Chromium, against a
 * hub with demo mode off and only trusted documents: the key an official
 * types decides what is shown, and every panel is asserted on its content.
 */
const COUNTY = '140822'; // 万荣县

/** Per-kg pear quotes at 晋城绿欣: 24 quiet days (4.0 / 4.2 yuan) and a spike to 6.0 on the 25th. */
async function pearPrices(t: TestHub) {
  const rows = [
    ...Array.from({ length: 24 }, (_, i) => ({ day: `2025-04-${String(i + 1).padStart(2, '0')}`, avg: i % 2 ? 4.2 : 4.0 })),
    { day: '2025-04-25', avg: 6.0 },
  ];
  await t.sql(
    `insert into price_observation (source_connector, source_key, product_id, market_id, observed_on, raw_name,
                                    low_price, avg_price, high_price, unit, low_per_kg, avg_per_kg, high_per_kg)
     select 'dashboard-fixture', 'pear-' || r.day, p.id, m.id, r.day, '酥梨', r.avg, r.avg, r.avg, '公斤', r.avg, r.avg, r.avg
       from jsonb_to_recordset($1::jsonb) as r(day date, avg numeric)
       join product p on p.code = 'pear' join market m on m.code = 'jincheng-lvxin'`,
    [JSON.stringify(rows)],
  );
}

/** Parcels picked up in 万荣县 villages in April 2025: zhongtong 2 of 4 on time, one damaged; yuantong 1 lost. */
async function parcels(t: TestHub) {
  const [village] = (
    await t.sql<{ code: string }>(`select code from region where level = 'VILLAGE' and code like $1 order by code limit 1`, [`${COUNTY}%`])
  ).map((r) => r.code);
  const up = { direction: 'UPSTREAM' as const, origin: village, destination: '110105' };
  await insertParcels(t, 'dashboard-fixture', [
    { key: 'q1', ...up, pickedUpAt: '2025-04-02T10:00:00+08:00', promisedAt: '2025-04-05T00:00:00+08:00', deliveredAt: '2025-04-04T10:00:00+08:00' },
    { key: 'q2', ...up, pickedUpAt: '2025-04-02T10:00:00+08:00', promisedAt: '2025-04-05T00:00:00+08:00', deliveredAt: '2025-04-06T10:00:00+08:00' },
    { key: 'q3', ...up, status: 'IN_TRANSIT', pickedUpAt: '2025-04-02T10:00:00+08:00', promisedAt: '2025-04-05T00:00:00+08:00' },
    {
      key: 'q4',
      ...up,
      pickedUpAt: '2025-04-03T10:00:00+08:00',
      promisedAt: '2025-04-06T00:00:00+08:00',
      deliveredAt: '2025-04-05T10:00:00+08:00',
      scans: [{ status: 'EXCEPTION', at: '2025-04-04T10:00:00+08:00', rawCode: '209', rawText: '快件外包装破损' }],
    },
    {
      key: 'q5',
      courier: 'yuantong',
      ...up,
      status: 'EXCEPTION',
      pickedUpAt: '2025-04-03T10:00:00+08:00',
      promisedAt: '2025-04-06T00:00:00+08:00',
      scans: [{ status: 'EXCEPTION', at: '2025-04-05T10:00:00+08:00', rawCode: '2', rawText: '快件丢失，正在核实' }],
    },
  ]);
}

/**
 * Two names no catalogue entry matches on unambiguous evidence (as in test/review), stored through
 * the ingest pipeline in-process: the hub runs only trusted documents, so no ad-hoc mutation.
 */
async function queueNames(t: TestHub) {
  const quote = (sourceKey: string, rawName: string, observedOn: string, avgPrice: number) =>
    ({ sourceKey, rawName, market: 'taiyuan-hexi', observedOn, avgPrice, unit: '斤' }) as never;
  const result = await storePrices(t.hub.db.orm.em.fork(), t.hub.pubSub.pubSub, 'wholesale-prices', [
    quote('r1', '沙蜜托', '2024-10-01', 1.2),
    quote('r2', '沙蜜托', '2024-10-02', 1.3),
    quote('r3', '高山白菜', '2024-10-01', 0.7),
  ]);
  expect(result.stored).toHaveLength(3);
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

describeWithChromium('dashboard panels (issue #15)', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let blocked: string[];
  let official: string;
  let dir: string;
  const pageErrors: string[] = [];
  const failed = (name: string) => (error: unknown) => saveScreenshot(page, `${name}-failure`).then(() => Promise.reject(error));

  beforeAll(async () => {
    await buildDashboardOnce();
    t = await startTestHub({ DEMO_MODE: 'false', TRUSTED_DOCUMENTS: 'only', CONNECTOR_SCHEDULER: 'false' });
    official = await t.createKey({ role: 'OFFICIAL', organisation: 'shanxi-agri' });
    await Promise.all([pearPrices(t), parcels(t), queueNames(t)]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-dashboard-upload-'));
    browser = await launchChromium();
    // A laptop screen.
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    blocked = await onlyOrigin(page, t.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a key with demo mode off, and shows whose key it is once an official enters one', async () => {
    await page.goto(`${t.url}/dashboard/`);
    await page.locator('#viewer-state[data-role="NONE"]').waitFor({ timeout: 15_000 }).catch(failed('dashboard-key'));
    expect(await text(page, '#viewer-state')).toMatch(/API key|bearer token/i);
    await page.fill('#api-key', official);
    await page.click('#key-form button');
    await page.locator('#viewer-state[data-role="OFFICIAL"]').waitFor({ timeout: 15_000 }).catch(failed('dashboard-key'));
    expect(await text(page, '#viewer-state')).toBe('官员 · shanxi-agri');
    // The period of the fixtures.
    await page.fill('#period-from', '2025-04-01');
    await page.fill('#period-to', '2025-04-30');
    await page.click('#period-form button');
  });

  it('picks a product by Chinese name, alias or variety, not by English code', async () => {
    const input = page.locator('#product-search');
    expect(await input.inputValue()).toBe('苹果');
    await input.fill('洋芋');
    const first = page.locator('#product-options li[data-code]').first();
    await first.waitFor({ timeout: 10_000 });
    expect(await first.innerText()).toMatch(/^马铃薯\s+Potato\s+别名：洋芋/);
    await input.fill('酥梨');
    await page.locator('#product-options li[data-code="pear"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#product-options li[data-code]').first().innerText()).toContain('品种：酥梨');
    await input.press('Enter');
    expect(await input.inputValue()).toBe('梨');
    await page
      .waitForFunction(`/^梨：.*条报价/.test(document.querySelector('#price-status')?.textContent ?? '')`, undefined, { timeout: 15_000 })
      .catch(failed('dashboard-picker'));
    expect(await page.locator('#product-options').isHidden()).toBe(true);
  });

  it('lists the price anomalies of the picked product in the period', async () => {
    const row = page.locator('#anomaly-rows tr.price_spike');
    await row.waitFor({ timeout: 15_000 }).catch(failed('dashboard-anomalies'));
    expect(await page.locator('#anomaly-rows tr').count()).toBe(1);
    const cells = await row.locator('td').allInnerTexts();
    expect(cells.slice(0, 5)).toEqual(['2025-04-25', '梨', expect.stringContaining('晋城'), '暴涨', '6.00']);
    expect(cells[5]).toMatch(/^4\.\d\d ± 0\.\d\d$/);
    expect(cells[6]).toMatch(/^\+4\d\.\d% · \+\d+\.\dσ$/);
  });

  it('shows courier quality in Shanxi: on-time, delay, damage and loss rates per courier', async () => {
    await page.locator('#courier-rows tr[data-courier="zhongtong"]').waitFor({ timeout: 15_000 }).catch(failed('dashboard-couriers'));
    const rows = await page
      .locator('#courier-rows tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(rows).toEqual([
      ['中通快递', '4', '3', '50.0%', '50.0%', '25.0%', '0.0%'],
      ['圆通速递', '1', '0', '0.0%', '100.0%', '0.0%', '100.0%'],
    ]);
    // Rates worse than the thresholds are flagged.
    expect(await page.locator('#courier-rows tr[data-courier="yuantong"] td.flag').count()).toBe(2);
  });

  it('draws a county map of Shanxi from the boundary package, coloured by parcels, with details on click', async () => {
    const wanrong = page.locator(`#county-map path[data-code="${COUNTY}"]`);
    await page
      .waitForFunction(`document.querySelector('#county-map path[data-code="${COUNTY}"]')?.dataset.value === '5'`, undefined, { timeout: 15_000 })
      .catch(failed('dashboard-map'));
    // 117 counties, cities and districts with boundaries; the four development zones have none.
    expect(await page.locator('#county-map path').count()).toBe(117);
    expect(await text(page, '#map-unmapped')).toContain('山西转型综合改革示范区');
    const fill = (code: string) => page.locator(`#county-map path[data-code="${code}"]`).evaluate((p) => (globalThis as any).getComputedStyle(p).fill);
    expect(await fill(COUNTY)).not.toBe(await fill('140821'));
    expect(await page.locator('#map-top tr').first().innerText()).toMatch(/^万荣县\s+5$/);
    await wanrong.click();
    expect(await text(page, '#map-detail')).toContain('万荣县');
    expect(await text(page, '#map-detail')).toContain('快件 5（上行 5 · 下行 0）');
    // Coloured by coverage instead: 万荣县 has villages but no service point filed.
    await page.selectOption('#map-metric', 'servicePointShare');
    expect(await wanrong.getAttribute('data-value')).toBe('0');
    expect(await wanrong.locator('title').textContent()).toBe('万荣县：村级服务站覆盖率 0.0%');
    await page.selectOption('#map-metric', 'parcels');
    const file = await saveScreenshot(page, 'dashboard-overview');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });

  it('reviews unmatched names: ranked candidates with evidence, accept re-links the facts, dismiss; who decided is in the audit trail', async () => {
    await page.click('#tabs a[data-page="review"]');
    const cabbage = page.locator('li.queued[data-raw-name="高山白菜"]');
    await cabbage.waitFor({ timeout: 15_000 }).catch(failed('dashboard-review'));
    expect(await text(page, '#review-status')).toContain('待审核 2 个名称');
    const candidate = cabbage.locator('label.candidate').first();
    expect(await candidate.innerText()).toMatch(/白菜.*\d\.\d\d.*相似.*白菜/s);
    await cabbage.locator('details summary').click();
    expect(await cabbage.locator('.examples').innerText()).toMatch(/wholesale-prices · 2024-10-01 · 0\.7 元\/斤\s+r3/);
    // The best candidate is chosen unless the official picks another.
    expect(await candidate.locator('input').isChecked()).toBe(true);
    const [{ code: firstCandidate }] = await t.sql(`select code from product where name = $1`, [await candidate.locator('b').innerText()]);

    await cabbage.locator('button.accept').click();
    await cabbage.locator('.outcome', { hasText: '已接受' }).waitFor({ timeout: 15_000 }).catch(failed('dashboard-review'));
    expect(await cabbage.locator('.outcome').innerText()).toMatch(/^已接受：高山白菜 → .+，重新关联 1 条$/);
    const melon = page.locator('li.queued[data-raw-name="沙蜜托"]');
    await melon.locator('button.dismiss').click();
    await melon.locator('.outcome', { hasText: '已忽略：沙蜜托' }).waitFor({ timeout: 15_000 });

    // The facts carry the accepted product; the dismissed name left the queue.
    const [linked] = await t.sql(`select p.code from price_observation o join product p on p.id = o.product_id where o.raw_name = '高山白菜'`);
    expect(linked.code).toBe(firstCandidate);
    const statuses = await t.sql(`select raw_name, status from unmatched_name where raw_name in ('高山白菜', '沙蜜托') order by raw_name`);
    expect(Object.fromEntries(statuses.map((s) => [s.raw_name, s.status]))).toEqual({ 高山白菜: 'ACCEPTED', 沙蜜托: 'DISMISSED' });
    // The page lists the decision with who made it.
    await page.locator('#review-decisions tr', { hasText: '高山白菜' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#review-decisions tr', { hasText: '高山白菜' }).innerText()).toMatch(/高山白菜\s+\S+\s+1\s+shanxi-agri/);
    // The audit trail names the official's key and organisation for both decisions (each written as STARTED before it ran, then its outcome).
    const audit = await t.sql(
      `select role, organisation, operation_name, variables, outcome from audit_entry where operation_name like 'Dashboard%' and operation_type = 'mutation' and outcome <> 'STARTED' order by at`,
    );
    expect(audit).toEqual([
      {
        operation_name: 'DashboardAcceptMatch',
        role: 'OFFICIAL',
        organisation: 'shanxi-agri',
        outcome: 'OK',
        variables: { input: expect.objectContaining({ rawName: '高山白菜', product: firstCandidate }) },
      },
      { operation_name: 'DashboardDismissName', role: 'OFFICIAL', organisation: 'shanxi-agri', outcome: 'OK', variables: { rawName: '沙蜜托' } },
    ]);
    const file = await saveScreenshot(page, 'dashboard-review');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });

  it('uploads a CSV price sheet with a progress bar, then shows stored, duplicates, rejected rows with reasons and unmatched names', async () => {
    // 1,500 distinct quotes (~90 kB, so the browser reports upload progress), a repeated row, a row with no usable price, a name nothing matches.
    const day = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const lines = ['品名,品种,产地,规格,单位,最低价,平均价,最高价,日期'];
    for (let i = 0; i < 1500; i++) lines.push(`苹果,红富士,临猗县,一级,公斤,5,${(6 + (i % 7) / 10).toFixed(1)},8,${day(i)}`);
    lines.push(lines[1]); // line 1502: a repeat
    lines.push('小米,,临猗县,,吨,5000,n/a,5400,2024-11-05'); // line 1503
    lines.push('嘟嘟噜噜,,,,斤,1,1.2,1.5,2024-11-05');
    const csv = path.join(dir, '价格表.csv');
    fs.writeFileSync(csv, `${lines.join('\n')}\n`);

    await page.click('#tabs a[data-page="upload"]');
    await page.setInputFiles('#upload-file', csv);
    await page.click('#upload-form button');
    await page.locator('#upload-result table.counts').waitFor({ timeout: 60_000 }).catch(failed('dashboard-upload'));
    const bar = page.locator('#upload-progress');
    expect(await bar.evaluate((b) => (b as unknown as { value: number }).value)).toBe(100);
    expect(Number(await bar.getAttribute('data-events'))).toBeGreaterThan(0);
    expect(await text(page, '#upload-status')).toBe('导入完成');
    const counts = Object.fromEntries(
      await page.locator('#upload-result [data-count]').evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-count'), Number(td.textContent)])),
    );
    expect(counts).toEqual({ read: 1503, stored: 1501, duplicates: 1, rejected: 1, unmatched: 1 });
    expect(await text(page, '#upload-summary')).toMatch(/^价格表\.csv · \d+\.\d KB · 状态 OK/);
    const [rejection] = await page
      .locator('#upload-rejections tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rejection.slice(0, 2)).toEqual(['价格表.csv:1503', '平均价']);
    expect(rejection[2]).toMatch(/\S/);
    expect(await page.locator('#upload-unmatched li').allInnerTexts()).toEqual(['嘟嘟噜噜 · 1 行']);
    // Stored under the official's upload, as the path import would.
    const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where source_connector = 'spreadsheet-upload' and raw_name = '苹果'`);
    expect(n).toBe(1500);
    const file = await saveScreenshot(page, 'dashboard-upload');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
