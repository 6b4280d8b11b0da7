import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { gql, storeApiKey, storedApiKey, wsClient } from './api.js';
import { $, daysBefore, esc, pct, showError, today } from './dom.js';
import { COUNTY_PARCELS, LIVE_ALERTS, PRICE_TREND, RECENT_ALERTS, SUBSIDY_SUMMARY, VIEWER, VILLAGE_COVERAGE } from './operations.js';
import { countyMap } from './panels/county-map.js';
import { loadCourierQuality } from './panels/courier-quality.js';
import { loadPriceAnomalies } from './panels/price-anomalies.js';
import { productPicker } from './panels/product-picker.js';
import { reviewQueue } from './panels/review-queue.js';
import { uploadPage } from './panels/upload.js';

// ---- price trend -----------------------------------------------------------------------------

interface PricePoint {
  bucket: string;
  low: number;
  average: number;
  median: number;
  high: number;
  volume: number;
  observations: number;
}
let chart: uPlot | undefined;

async function loadPrices() {
  const status = $('price-status');
  status.classList.remove('error');
  status.textContent = '加载中…';
  try {
    const product = picker.current().code;
    const interval = $<HTMLSelectElement>('price-interval').value;
    const data = await gql<{ priceSeries: { label: string; points: PricePoint[] }[] }>(PRICE_TREND, { filter: { product }, interval });
    const points = data.priceSeries[0]?.points ?? [];
    const unit = { DAY: '日', WEEK: '周', MONTH: '月' }[interval] ?? interval;
    status.textContent = points.length
      ? `${picker.current().name}：${points.length} ${unit}，${points.reduce((n, p) => n + p.observations, 0)} 条报价`
      : `${picker.current().name}：暂无按公斤计的价格`;
    drawChart(points);
  } catch (error) {
    showError(status, error);
  }
}

function drawChart(points: PricePoint[]) {
  const el = $('price-chart');
  const x = points.map((p) => Date.parse(`${p.bucket}T00:00:00Z`) / 1000);
  const data: uPlot.AlignedData = [x, points.map((p) => p.low), points.map((p) => p.high), points.map((p) => p.average), points.map((p) => p.median)];
  const width = Math.max(320, el.clientWidth - 8);
  if (chart) {
    chart.setData(data);
    return;
  }
  chart = new uPlot(
    {
      width,
      height: 300,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      series: [
        {},
        { label: '最低', stroke: '#9bbf8a', width: 1 },
        { label: '最高', stroke: '#9bbf8a', width: 1 },
        { label: '均价', stroke: '#2f6b2f', width: 2 },
        { label: '中位价', stroke: '#c2571a', width: 2, dash: [6, 4] },
      ],
      bands: [{ series: [2, 1], fill: 'rgba(120, 170, 100, 0.18)' }],
      axes: [{}, { label: '元/公斤' }],
      scales: { x: { time: true } },
    },
    data,
    el,
  );
  new ResizeObserver(() => chart?.setSize({ width: Math.max(320, el.clientWidth - 8), height: 300 })).observe(el);
}

// ---- parcels per county ------------------------------------------------------------------------

async function loadParcels() {
  const to = today();
  const from = daysBefore(to, 29);
  $('parcel-period').textContent = `${from} – ${to}`;
  const body = $('parcel-rows');
  try {
    const data = await gql<{
      parcelStats: {
        rows: {
          regionCode: string;
          region: { name: string } | null;
          upstream: number;
          downstream: number;
          farmProductShare: number | null;
          deliveredShare: number | null;
          parcels: number;
        }[];
      };
    }>(COUNTY_PARCELS, { from, to });
    const rows = [...data.parcelStats.rows].sort((a, b) => b.parcels - a.parcels).slice(0, 15);
    body.innerHTML = rows.length
      ? rows
          .map(
            (r) =>
              `<tr><td>${esc(r.region?.name ?? r.regionCode)}</td><td>${r.upstream}</td><td>${r.downstream}</td><td>${pct(r.farmProductShare)}</td><td>${pct(r.deliveredShare)}</td></tr>`,
          )
          .join('')
      : `<tr><td colspan="5" class="muted">近 30 天无快件</td></tr>`;
  } catch (error) {
    body.innerHTML = `<tr><td colspan="5" class="error">⚠ ${esc((error as Error).message)}</td></tr>`;
  }
}

// ---- subsidy ------------------------------------------------------------------------------------

interface Totals {
  parcels: number;
  eligible: number;
  flagged: number;
  amount: number;
}
async function loadSubsidy() {
  const target = $('subsidy-summary');
  const county = $<HTMLInputElement>('subsidy-county').value.trim();
  const month = $<HTMLInputElement>('subsidy-month').value;
  try {
    const { subsidyReport: r } = await gql<{
      subsidyReport: {
        rates: { upstream: number; downstream: number };
        upstream: Totals;
        downstream: Totals;
        totalAmount: number;
        csvPath: string;
        byCourier: { courierName: string; amount: number; upstream: Totals; downstream: Totals }[];
      };
    }>(SUBSIDY_SUMMARY, { county, month });
    const line = (name: string, t: Totals, rate: number) =>
      `<tr><td>${name}</td><td>${t.parcels}</td><td>${t.eligible}</td><td class="${t.flagged ? 'flag' : ''}">${t.flagged}</td><td>${rate.toFixed(2)}</td><td>${t.amount.toFixed(2)}</td></tr>`;
    target.innerHTML = `
      <table><thead><tr><th></th><th>快件</th><th>符合条件</th><th>疑点</th><th>标准（元/件）</th><th>金额（元）</th></tr></thead><tbody>
        ${line('上行', r.upstream, r.rates.upstream)}${line('下行', r.downstream, r.rates.downstream)}
        <tr class="total"><td>合计</td><td colspan="4"></td><td>${r.totalAmount.toFixed(2)}</td></tr>
      </tbody></table>
      <p class="muted">${r.byCourier.map((c) => `${esc(c.courierName)}: ${c.amount.toFixed(2)}`).join(' · ') || '无申报快件'}</p>
      <p><a href="${esc(r.csvPath)}" download>下载 CSV（逐件明细及核查结果）</a></p>`;
  } catch (error) {
    target.innerHTML = `<p class="error">⚠ ${esc((error as Error).message)}</p>`;
  }
}

// ---- coverage -----------------------------------------------------------------------------------

async function loadCoverage() {
  const body = $('coverage-rows');
  try {
    const data = await gql<{
      villageCoverage: {
        countyName: string;
        villages: number;
        servicePointShare: number | null;
        recentDeliveryShare: number | null;
        villagesWithServicePoint: number;
      }[];
    }>(VILLAGE_COVERAGE);
    const rows = [...data.villageCoverage].sort((a, b) => (b.servicePointShare ?? 0) - (a.servicePointShare ?? 0)).slice(0, 12);
    body.innerHTML = rows
      .map((r) => `<tr><td>${esc(r.countyName)}</td><td>${r.villages}</td><td>${pct(r.servicePointShare)}</td><td>${pct(r.recentDeliveryShare)}</td></tr>`)
      .join('');
  } catch (error) {
    body.innerHTML = `<tr><td colspan="4" class="error">⚠ ${esc((error as Error).message)}</td></tr>`;
  }
}

// ---- live alerts --------------------------------------------------------------------------------

interface AlertRow {
  kind: string;
  severity: string;
  message: string;
  raisedAt: string;
}

function addAlert(alert: AlertRow, live: boolean) {
  const list = $('alert-list');
  const item = document.createElement('li');
  item.className = `alert ${alert.kind.toLowerCase()} ${alert.severity.toLowerCase()}${live ? ' live' : ''}`;
  item.innerHTML = `<span class="kind">${esc(alert.kind)}</span> <time>${esc(new Date(alert.raisedAt).toLocaleString('zh-CN', { hour12: false }))}</time><div>${esc(alert.message)}</div>`;
  if (live) list.prepend(item);
  else list.append(item);
  while (list.children.length > 30) list.lastElementChild?.remove();
}

let unsubscribe: (() => void) | undefined;
async function startAlerts() {
  unsubscribe?.();
  const state = $('live-state');
  const client = wsClient((s) => {
    state.textContent = { connected: '实时', closed: '已断开', connecting: '连接中…' }[s];
    state.dataset.state = s;
  });
  unsubscribe = client.subscribe<{ alertRaised: AlertRow }>(
    { query: LIVE_ALERTS },
    {
      next: ({ data }) => data && addAlert(data.alertRaised, true),
      error: (error) => {
        state.textContent = '错误';
        console.error(error);
      },
      complete: () => {},
    },
  );
  try {
    const data = await gql<{ alerts: { nodes: AlertRow[] } }>(RECENT_ALERTS);
    $('alert-list').innerHTML = '';
    for (const alert of data.alerts.nodes) addAlert(alert, false);
  } catch (error) {
    showError($('alert-list'), error);
  }
}

// ---- viewer: what the stored key may see ------------------------------------------------------

const ROLE_LABEL: Record<string, string> = { OFFICIAL: '官员', ADMIN: '管理员', COURIER: '快递企业', PLATFORM: '电商平台' };
let role: string | null = null;

/** Shows who the key is; officials' panels (courier quality, review) need an OFFICIAL or ADMIN key unless in demo mode. */
async function loadViewer() {
  const state = $('viewer-state');
  try {
    const { viewer } = await gql<{ viewer: { role: string | null; organisation: string | null; credential: string } }>(VIEWER);
    role = viewer.role;
    state.textContent = viewer.role
      ? `${ROLE_LABEL[viewer.role] ?? viewer.role}${viewer.organisation ? ` · ${viewer.organisation}` : ''}`
      : '演示模式（匿名，只读）';
    state.dataset.role = viewer.role ?? 'ANONYMOUS';
  } catch (error) {
    role = null;
    state.textContent = `⚠ ${(error as Error).message}`;
    state.dataset.role = 'NONE';
  }
}

// ---- period-bound panels ------------------------------------------------------------------------

const map = countyMap();
const isOfficial = () => role === 'OFFICIAL' || role === 'ADMIN';
const review = reviewQueue(isOfficial);
uploadPage(isOfficial);
const picker = productPicker($<HTMLInputElement>('product-search'), $<HTMLUListElement>('product-options'), { code: 'apple', name: '苹果' }, () => {
  void loadPrices();
  if (!$<HTMLInputElement>('anomaly-all').checked) void loadPeriodPanels();
});

function period() {
  return { from: $<HTMLInputElement>('period-from').value, to: $<HTMLInputElement>('period-to').value };
}

function loadPeriodPanels() {
  const { from, to } = period();
  void map.load(from, to);
  void loadPriceAnomalies($('anomaly-rows'), from, to, $<HTMLInputElement>('anomaly-all').checked ? null : picker.current().code);
  void loadCourierQuality($('courier-rows'), from, to);
}

// ---- pages --------------------------------------------------------------------------------------

function showPage(load = true) {
  const page = location.hash.slice(1) || 'overview';
  for (const main of document.querySelectorAll<HTMLElement>('main[data-page]')) main.hidden = main.dataset.page !== page;
  for (const tab of document.querySelectorAll<HTMLElement>('#tabs [data-page]')) tab.setAttribute('aria-selected', String(tab.dataset.page === page));
  if (load && page === 'review') void review.load();
}

// ---- wiring -------------------------------------------------------------------------------------

async function loadAll() {
  // The figures do not wait for the viewer: only the review and upload buttons depend on the role.
  const viewer = loadViewer();
  void loadPrices();
  void loadParcels();
  void loadSubsidy();
  void loadCoverage();
  loadPeriodPanels();
  void startAlerts();
  await viewer;
  if (location.hash === '#review') void review.load();
}

const keyState = () => (storedApiKey() ? '已使用密钥' : '演示模式（无密钥）');
$<HTMLInputElement>('api-key').value = storedApiKey();
$('key-state').textContent = keyState();
$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  storeApiKey($<HTMLInputElement>('api-key').value.trim());
  $('key-state').textContent = keyState();
  void loadAll();
});
$('price-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadPrices();
});
$('subsidy-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadSubsidy();
});
$('period-form').addEventListener('submit', (event) => {
  event.preventDefault();
  loadPeriodPanels();
});
$('anomaly-all').addEventListener('change', loadPeriodPanels);
$('review-reload').addEventListener('click', () => void review.load());
window.addEventListener('hashchange', () => showPage());
$<HTMLInputElement>('subsidy-month').value = today().slice(0, 7);
$<HTMLInputElement>('period-to').value = today();
$<HTMLInputElement>('period-from').value = daysBefore(today(), 29);
showPage(false);
void loadAll();
