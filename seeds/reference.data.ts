import { MarketChannel } from '../src/markets/market-channel.js';

/**
 * Markets, couriers and the counties whose logistics network is seeded.
 * Markets and couriers are real; the logistics nodes built from COUNTY_NETWORKS
 * are illustrative (real counties, townships and villages; made-up stations).
 */

export interface MarketData {
  /** Stable slug. */
  code: string;
  name: string;
  channel: MarketChannel;
  /**
   * Region code, for Shanxi markets only: the seeds load Shanxi's divisions, so
   * a market elsewhere (Xinfadi in Beijing) or a nationwide platform has none.
   */
  region?: string;
  address?: string;
  longitude?: number;
  latitude?: number;
}

export const MARKETS: readonly MarketData[] = [
  {
    code: 'beijing-xinfadi',
    name: '北京新发地农产品批发市场',
    channel: MarketChannel.WHOLESALE_MARKET,
    // Approximate position of the market site in Fengtai district.
    address: '北京市丰台区新发地',
    longitude: 116.37,
    latitude: 39.82,
  },
  // Shanxi markets are placed in their city; the seeds do not claim a street address.
  { code: 'taiyuan-hexi', name: '太原河西农产品批发市场', channel: MarketChannel.WHOLESALE_MARKET, region: '1401', address: '山西省太原市' },
  { code: 'jincheng-lvxin', name: '山西晋城绿欣农产品批发市场', channel: MarketChannel.WHOLESALE_MARKET, region: '1405', address: '山西省晋城市' },
  { code: 'linyi-apple', name: '临猗苹果产地市场', channel: MarketChannel.ORIGIN_MARKET, region: '140821', address: '山西省运城市临猗县' },
  { code: 'wanrong-apple', name: '万荣苹果产地市场', channel: MarketChannel.ORIGIN_MARKET, region: '140822', address: '山西省运城市万荣县' },
  { code: 'taigu-jujube', name: '太谷壶瓶枣产地市场', channel: MarketChannel.ORIGIN_MARKET, region: '140703', address: '山西省晋中市太谷区' },
  { code: 'taiyuan-cold-chain', name: '太原农产品冷链物流中心', channel: MarketChannel.COLD_CHAIN_HUB, region: '1401', address: '山西省太原市' },
  // Guangzhou's largest fruit and vegetable wholesale market: its daily list is one of the real lists the catalogue is measured on (issue #14).
  { code: 'guangzhou-jiangnan', name: '广州江南果菜批发市场', channel: MarketChannel.WHOLESALE_MARKET, address: '广东省广州市白云区' },
  { code: 'taobao', name: '淘宝', channel: MarketChannel.ECOMMERCE_PLATFORM },
  { code: 'pinduoduo', name: '拼多多', channel: MarketChannel.ECOMMERCE_PLATFORM },
  { code: 'jd', name: '京东', channel: MarketChannel.ECOMMERCE_PLATFORM },
  { code: 'douyin', name: '抖音电商', channel: MarketChannel.ECOMMERCE_PLATFORM },
  { code: 'kuaishou', name: '快手电商', channel: MarketChannel.ECOMMERCE_PLATFORM },
  { code: 'youzan', name: '有赞', channel: MarketChannel.ECOMMERCE_PLATFORM },
];

export interface CourierData {
  /** Kuaidi100 company code (`com`), also used in push URLs. */
  code: string;
  name: string;
  /** AfterShip slug. */
  aftershipSlug?: string;
}

export const COURIERS: readonly CourierData[] = [
  { code: 'ems', name: '中国邮政速递物流（EMS）', aftershipSlug: 'china-ems' },
  { code: 'youzhengguonei', name: '中国邮政快递包裹', aftershipSlug: 'china-post' },
  { code: 'shunfeng', name: '顺丰速运', aftershipSlug: 'sf-express' },
  { code: 'zhongtong', name: '中通快递', aftershipSlug: 'zto-express' },
  { code: 'yuantong', name: '圆通速递', aftershipSlug: 'yto' },
  { code: 'yunda', name: '韵达快递', aftershipSlug: 'yunda' },
  { code: 'shentong', name: '申通快递', aftershipSlug: 'sto' },
  { code: 'jtexpress', name: '极兔速递', aftershipSlug: 'jtexpress' },
  { code: 'jd', name: '京东物流', aftershipSlug: 'jd' },
];

export interface CountyNetworkData {
  /** County-level region code. */
  county: string;
  /** Townships that get an express service station (the first rural ones by code). */
  townships: number;
  /** Villages per township that get a village service point. */
  villagesPerTownship: number;
  /** Courier operating the county's shared distribution centre (统仓共配). */
  operator: string;
}

/** Three-tier networks (county centre, township stations, village points) of speciality counties. */
export const COUNTY_NETWORKS: readonly CountyNetworkData[] = [
  { county: '140121', townships: 3, villagesPerTownship: 3, operator: 'youzhengguonei' }, // 清徐县, vinegar
  { county: '140728', townships: 3, villagesPerTownship: 2, operator: 'zhongtong' }, // 平遥县, beef
  { county: '140821', townships: 4, villagesPerTownship: 3, operator: 'youzhengguonei' }, // 临猗县, apples
  { county: '140703', townships: 2, villagesPerTownship: 2, operator: 'yunda' }, // 太谷区, jujubes
  { county: '141031', townships: 2, villagesPerTownship: 2, operator: 'youzhengguonei' }, // 隰县, pears
];

/** Couriers running township stations, in turn (joint stations are common; one operator is recorded). */
export const TOWNSHIP_OPERATORS = ['zhongtong', 'yunda', 'yuantong', 'shentong', 'jtexpress', 'youzhengguonei'] as const;
