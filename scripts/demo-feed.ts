/**
 * Replays a realistic courier feed into a running hub, one scan per parcel
 * every DEMO_FEED_STEP_MS, so that GraphiQL subscriptions (`shipmentUpdated`,
 * `alertRaised`) show parcels moving: ZTO as native JSON batches, YTO as
 * Kuaidi100 pushes, SF Express as AfterShip webhooks, all signed with the
 * demo secrets the hub seeds (harvest-demo-<code>-secret).
 *
 *   npm start                    # in one terminal
 *   npm run demo:feed            # in another; HUB_URL=http://127.0.0.1:4000 by default
 */
import { createHash, createHmac } from 'node:crypto';

const HUB = (process.env.HUB_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
const STEP_MS = Number(process.env.DEMO_FEED_STEP_MS ?? 1500);
const RUN = process.env.DEMO_FEED_RUN ?? Date.now().toString(36).slice(-5).toUpperCase();
const secret = (courier: string) => process.env[`DEMO_SECRET_${courier.toUpperCase()}`] ?? `harvest-demo-${courier}-secret`;

interface Scan {
  status: string;
  kuaidi100: string;
  aftership: string;
  text: string;
  node?: string;
  region: string;
  temperatureC?: number;
}
interface Parcel {
  courier: 'zhongtong' | 'yuantong' | 'shunfeng';
  number: string;
  product?: string;
  promisedHours?: number;
  destination: string;
  scans: Scan[];
}

const scan = (status: string, kuaidi100: string, aftership: string, text: string, region: string, node?: string, temperatureC?: number): Scan => ({
  status,
  kuaidi100,
  aftership,
  text,
  region,
  node,
  temperatureC,
});

/** Apples and pears from 临猗县 villages to Beijing and Shanghai (upstream), goods to villages (downstream). */
const parcels: Parcel[] = [
  {
    courier: 'zhongtong',
    number: `ZT${RUN}001`,
    product: 'apple',
    destination: '110105',
    scans: [
      scan('PICKED_UP', '揽收', 'InTransit_002', '【王村村快递便民服务点】已揽收 临猗红富士苹果', '140821100200', 'vsp-140821100200', 2.5),
      scan('ARRIVED_AT_NODE', '在途', 'InTransit_003', '到达【临猗县寄递公共配送中心】', '140821', 'cdc-140821', 3.0),
      scan('IN_TRANSIT', '在途', 'InTransit', '离开【临猗县寄递公共配送中心】发往【太原分拨中心】', '140821', 'cold-140821-apple', 3.5),
      scan('IN_TRANSIT', '在途', 'InTransit', '到达【太原快件分拨中心】', '140105', 'sort-1401-taiyuan', 7.8),
      scan('OUT_FOR_DELIVERY', '派件', 'OutForDelivery', '【北京朝阳】派件员正在派件', '110105'),
      scan('DELIVERED', '签收', 'Delivered', '已签收，签收人：本人', '110105'),
    ],
  },
  {
    courier: 'yuantong',
    number: `YT${RUN}002`,
    destination: '140821102201',
    scans: [
      scan('PICKED_UP', '揽收', 'InTransit_002', '【太原小店】已揽收', '140105'),
      scan('IN_TRANSIT', '在途', 'InTransit', '到达【太原快件分拨中心】', '140105', 'sort-1401-taiyuan'),
      scan('ARRIVED_AT_NODE', '在途', 'InTransit_003', '到达【临猗县寄递公共配送中心】', '140821', 'cdc-140821'),
      scan('OUT_FOR_DELIVERY', '派件', 'OutForDelivery', '【临晋镇】快递综合服务站正在派件', '140821102', 'ts-140821102'),
      scan('FAILED_ATTEMPT', '派件异常', 'AttemptFail', '派送不成功：收件人电话无人接听', '140821102'),
      scan('DELIVERED', '签收', 'Delivered', '已签收，西关村快递便民服务点代收', '140821102201', 'vsp-140821102201'),
    ],
  },
  {
    courier: 'shunfeng',
    number: `SF${RUN}003`,
    product: 'pear',
    destination: '310115',
    scans: [
      scan('PICKED_UP', '揽收', 'InTransit_002', '顺丰速运 已收取快件（隰县玉露香梨）', '141031'),
      scan('IN_TRANSIT', '在途', 'InTransit', '快件在【太原快件分拨中心】完成分拣', '140105', 'sort-1401-taiyuan'),
      scan('EXCEPTION', '疑难', 'Exception', '外包装破损，已联系寄件人', '140105', 'sort-1401-taiyuan'),
      scan('IN_TRANSIT', '在途', 'InTransit', '快件已发往【上海浦东】', '140105'),
    ],
  },
  {
    courier: 'zhongtong',
    number: `ZT${RUN}004`,
    product: 'apple',
    destination: '140821101201',
    scans: [
      scan('PICKED_UP', '揽收', 'InTransit_002', '【小店区智能快件箱】已揽收', '140105', 'locker-140105-01'),
      scan('ARRIVED_AT_NODE', '在途', 'InTransit_003', '到达【临猗县寄递公共配送中心】', '140821', 'cdc-140821'),
      scan('AVAILABLE_FOR_PICKUP', '投柜或驿站', 'AvailableForPickup', '已放入【嵋阳镇快递综合服务站】，请凭取件码取件', '140821101', 'ts-140821101'),
      scan('DELIVERED', '签收', 'Delivered', '已取件', '140821101201'),
    ],
  },
];

async function post(url: string, init: RequestInit): Promise<string> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} from ${url}: ${text}`);
  return text;
}

const steps = Math.max(...parcels.map((p) => p.scans.length));
const started = Date.now();
/** Scan `i` of a parcel happened 2 h apart, the last one about now (fixed per run, so re-pushed history is recognised). */
const scanHoursAgo = (i: number) => (steps - i) * 2 + (Date.now() - started) / 3_600_000;

/** China time, `hoursAgo` before now, as couriers write it. */
const chinaTime = (hoursAgo: number) => new Date(Math.round((Date.now() - hoursAgo * 3_600_000) / 1000) * 1000 + 8 * 3_600_000).toISOString().slice(0, 19);

async function push(parcel: Parcel, step: number): Promise<void> {
  const s = parcel.scans[step];
  const hoursAgo = scanHoursAgo(step);
  if (parcel.courier === 'zhongtong') {
    const body = JSON.stringify({
      events: [
        {
          eventId: `${parcel.number}-${step}`,
          trackingNumber: parcel.number,
          status: s.status,
          occurredAt: `${chinaTime(hoursAgo)}+08:00`,
          description: s.text,
          location: s.node ? { nodeCode: s.node } : { regionCode: s.region },
          temperatureC: s.temperatureC,
          shipment:
            step === 0
              ? {
                  product: parcel.product,
                  isFarmProduct: Boolean(parcel.product),
                  destinationRegionCode: parcel.destination,
                  promisedAt: `${chinaTime(-48)}+08:00`,
                }
              : undefined,
        },
      ],
    });
    const ts = Math.floor(Date.now() / 1000);
    const sig = createHmac('sha256', secret(parcel.courier)).update(`${ts}.${body}`).digest('hex');
    await post(`${HUB}/hooks/couriers/${parcel.courier}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-timestamp': String(ts), 'x-hub-signature': `sha256=${sig}` },
      body,
    });
  } else if (parcel.courier === 'yuantong') {
    // Kuaidi100 pushes the whole history, newest first; the hub stores each scan once.
    const data = parcel.scans
      .slice(0, step + 1)
      .map((x, i) => ({
        context: x.text,
        time: chinaTime(scanHoursAgo(i)).replace('T', ' '),
        ftime: chinaTime(scanHoursAgo(i)).replace('T', ' '),
        status: x.kuaidi100,
        areaCode: `CN${x.region.padEnd(12, '0')}`,
        areaName: x.text.match(/【(.+?)】/)?.[1] ?? '',
      }))
      .reverse();
    const param = JSON.stringify({
      status: 'polling',
      billstatus: 'got',
      message: '',
      lastResult: { message: 'ok', state: '0', status: '200', ischeck: s.status === 'DELIVERED' ? '1' : '0', com: 'yuantong', nu: parcel.number, data },
    });
    const sign = createHash('md5')
      .update(param + secret(parcel.courier))
      .digest('hex')
      .toUpperCase();
    await post(`${HUB}/hooks/couriers/${parcel.courier}/kuaidi100`, { method: 'POST', body: new URLSearchParams({ param, sign }) });
  } else {
    const body = JSON.stringify({
      ts: Math.floor(Date.now() / 1000),
      event: 'tracking_update',
      event_id: `${parcel.number}-${step}`,
      msg: {
        tracking_number: parcel.number,
        slug: 'sf-express',
        tag: s.aftership.split('_')[0],
        checkpoints: [
          {
            checkpoint_time: `${chinaTime(hoursAgo)}+08:00`,
            message: s.text,
            tag: s.aftership.split('_')[0],
            subtag: s.aftership,
            location: s.text.match(/【(.+?)】/)?.[1],
            country_iso3: 'CHN',
          },
        ],
      },
    });
    await post(`${HUB}/hooks/couriers/${parcel.courier}/aftership`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aftership-hmac-sha256': createHmac('sha256', secret(parcel.courier)).update(body).digest('base64') },
      body,
    });
  }
  console.log(`${parcel.courier.padEnd(9)} ${parcel.number}  ${s.status.padEnd(20)} ${s.text}`);
}

console.log(`replaying ${parcels.length} parcels (${parcels.reduce((n, p) => n + p.scans.length, 0)} scans) into ${HUB}, one step every ${STEP_MS} ms`);
for (let step = 0; step < steps; step++) {
  for (const parcel of parcels) if (step < parcel.scans.length) await push(parcel, step);
  if (step < steps - 1) await new Promise((r) => setTimeout(r, STEP_MS));
}
console.log(`done. Try: { shipment(trackingNumber: "ZT${RUN}001") { status direction events { occurredAt status rawText node { name } } } }`);
