import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { gql, storeApiKey, storedApiKey, wsClient } from './api.js';
import { COUNTY_PARCELS, LIVE_ALERTS, PRICE_TREND, PRODUCT_NAMES, RECENT_ALERTS, SUBSIDY_SUMMARY, VILLAGE_COVERAGE } from './operations.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const pct = (x: number | null) => (x == null ? '–' : `${(x * 100).toFixed(1)}%`);
const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Today in China Standard Time, `YYYY-MM-DD`. */
const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const daysBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

function showError(target: HTMLElement, error: unknown) {
  target.textContent = `⚠ ${(error as Error).message}`;
  target.classList.add('error');
}

// ---- price trend -----------------------------------------------------------------------------

interface PricePoint { bucket: string; low: number; average: number; median: number; high: number; volume: number; observations: number }
let chart: uPlot | undefined;

async function loadPrices() {
  const status = $('price-status');
  status.classList.remove('error');
  status.textContent = 'loading…';
  try {
    const product = $<HTMLInputElement>('price-product').value.trim();
    const interval = $<HTMLSelectElement>('price-interval').value;
    const data = await gql<{ priceSeries: { label: string; points: PricePoint[] }[] }>(
      PRICE_TREND,
      { filter: { product }, interval },
    );
    const points = data.priceSeries[0]?.points ?? [];
    status.textContent = points.length ? `${points.length} ${interval.toLowerCase()}s, ${points.reduce((n, p) => n + p.observations, 0)} quotes` : 'no per-kg prices for this product';
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
        { label: 'low', stroke: '#9bbf8a', width: 1 },
        { label: 'high', stroke: '#9bbf8a', width: 1 },
        { label: 'mean', stroke: '#2f6b2f', width: 2 },
        { label: 'median', stroke: '#c2571a', width: 2, dash: [6, 4] },
      ],
      bands: [{ series: [2, 1], fill: 'rgba(120, 170, 100, 0.18)' }],
      axes: [{}, { label: 'yuan/kg' }],
      scales: { x: { time: true } },
    },
    data,
    el,
  );
  new ResizeObserver(() => chart?.setSize({ width: Math.max(320, el.clientWidth - 8), height: 300 })).observe(el);
}

async function loadProducts() {
  try {
    const data = await gql<{ products: { nodes: { code: string; name: string }[] } }>(PRODUCT_NAMES);
    $('products').innerHTML = data.products.nodes.map((p) => `<option value="${esc(p.code)}">${esc(p.name)}</option>`).join('');
  } catch {
    // The list only helps typing; the chart works without it.
  }
}

// ---- parcels per county ------------------------------------------------------------------------

async function loadParcels() {
  const to = today();
  const from = daysBefore(to, 29);
  $('parcel-period').textContent = `${from} – ${to}`;
  const body = $('parcel-rows');
  try {
    const data = await gql<{ parcelStats: { rows: { regionCode: string; region: { name: string } | null; upstream: number; downstream: number; farmProductShare: number | null; deliveredShare: number | null; parcels: number }[] } }>(
      COUNTY_PARCELS,
      { from, to },
    );
    const rows = [...data.parcelStats.rows].sort((a, b) => b.parcels - a.parcels).slice(0, 15);
    body.innerHTML = rows.length
      ? rows.map((r) => `<tr><td>${esc(r.region?.name ?? r.regionCode)}</td><td>${r.upstream}</td><td>${r.downstream}</td><td>${pct(r.farmProductShare)}</td><td>${pct(r.deliveredShare)}</td></tr>`).join('')
      : `<tr><td colspan="5" class="muted">No parcels in the last 30 days.</td></tr>`;
  } catch (error) {
    body.innerHTML = `<tr><td colspan="5" class="error">⚠ ${esc((error as Error).message)}</td></tr>`;
  }
}

// ---- subsidy ------------------------------------------------------------------------------------

interface Totals { parcels: number; eligible: number; flagged: number; amount: number }
async function loadSubsidy() {
  const target = $('subsidy-summary');
  const county = $<HTMLInputElement>('subsidy-county').value.trim();
  const month = $<HTMLInputElement>('subsidy-month').value;
  try {
    const { subsidyReport: r } = await gql<{ subsidyReport: { rates: { upstream: number; downstream: number }; upstream: Totals; downstream: Totals; totalAmount: number; csvPath: string; byCourier: { courierName: string; amount: number; upstream: Totals; downstream: Totals }[] } }>(
      SUBSIDY_SUMMARY,
      { county, month },
    );
    const line = (name: string, t: Totals, rate: number) => `<tr><td>${name}</td><td>${t.parcels}</td><td>${t.eligible}</td><td class="${t.flagged ? 'flag' : ''}">${t.flagged}</td><td>${rate.toFixed(2)}</td><td>${t.amount.toFixed(2)}</td></tr>`;
    target.innerHTML = `
      <table><thead><tr><th></th><th>Parcels</th><th>Eligible</th><th>Flagged</th><th>Rate</th><th>Yuan</th></tr></thead><tbody>
        ${line('Upstream 上行', r.upstream, r.rates.upstream)}${line('Downstream 下行', r.downstream, r.rates.downstream)}
        <tr class="total"><td>Total</td><td colspan="4"></td><td>${r.totalAmount.toFixed(2)}</td></tr>
      </tbody></table>
      <p class="muted">${r.byCourier.map((c) => `${esc(c.courierName)}: ${c.amount.toFixed(2)}`).join(' · ') || 'No parcels claimed.'}</p>
      <p><a href="${esc(r.csvPath)}" download>Download CSV (every parcel, with its checks)</a></p>`;
  } catch (error) {
    target.innerHTML = `<p class="error">⚠ ${esc((error as Error).message)}</p>`;
  }
}

// ---- coverage -----------------------------------------------------------------------------------

async function loadCoverage() {
  const body = $('coverage-rows');
  try {
    const data = await gql<{ villageCoverage: { countyName: string; villages: number; servicePointShare: number | null; recentDeliveryShare: number | null; villagesWithServicePoint: number }[] }>(
      VILLAGE_COVERAGE,
    );
    const rows = [...data.villageCoverage].sort((a, b) => (b.servicePointShare ?? 0) - (a.servicePointShare ?? 0)).slice(0, 12);
    body.innerHTML = rows.map((r) => `<tr><td>${esc(r.countyName)}</td><td>${r.villages}</td><td>${pct(r.servicePointShare)}</td><td>${pct(r.recentDeliveryShare)}</td></tr>`).join('');
  } catch (error) {
    body.innerHTML = `<tr><td colspan="4" class="error">⚠ ${esc((error as Error).message)}</td></tr>`;
  }
}

// ---- live alerts --------------------------------------------------------------------------------

interface AlertRow { kind: string; severity: string; message: string; raisedAt: string }

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
    state.textContent = s === 'connected' ? 'live' : s;
    state.dataset.state = s;
  });
  unsubscribe = client.subscribe<{ alertRaised: AlertRow }>(
    { query: LIVE_ALERTS },
    {
      next: ({ data }) => data && addAlert(data.alertRaised, true),
      error: (error) => {
        state.textContent = 'error';
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

// ---- wiring -------------------------------------------------------------------------------------

function loadAll() {
  void loadPrices();
  void loadParcels();
  void loadSubsidy();
  void loadCoverage();
  void startAlerts();
}

$<HTMLInputElement>('api-key').value = storedApiKey();
$('key-state').textContent = storedApiKey() ? 'key in use' : 'demo mode (no key)';
$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  storeApiKey($<HTMLInputElement>('api-key').value.trim());
  $('key-state').textContent = storedApiKey() ? 'key in use' : 'demo mode (no key)';
  loadAll();
});
$('price-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadPrices();
});
$('subsidy-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadSubsidy();
});
$<HTMLInputElement>('subsidy-month').value = today().slice(0, 7);
void loadProducts();
loadAll();
