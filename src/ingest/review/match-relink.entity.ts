import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * Lineage of a re-link (issue #14): one row per stored fact whose product (or
 * origin region) a review decision changed, with what it was before. A fact's
 * earlier product is never lost, so a wrong decision can be seen and undone.
 */
@Entity({ tableName: 'match_relink' })
@Index({ properties: ['factTable', 'factId'] })
export class MatchRelink {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  /** PRODUCT or ORIGIN. */
  @Property({ length: 16 })
  kind!: string;

  /** The raw name or origin text the decision was about. */
  @Property({ length: 200, index: true })
  raw!: string;

  @Property({ length: 32 })
  factTable!: string;

  @Property({ type: 'bigint' })
  factId!: string;

  @Property({ nullable: true })
  previousProductId?: number;

  @Property({ nullable: true })
  previousVarietyId?: number;

  @Property({ nullable: true })
  productId?: number;

  @Property({ nullable: true })
  varietyId?: number;

  @Property({ length: 12, nullable: true })
  previousRegionCode?: string;

  @Property({ length: 12, nullable: true })
  regionCode?: string;

  @Property({ length: 200, nullable: true })
  actor?: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  relinkedAt: Date = new Date();
}
