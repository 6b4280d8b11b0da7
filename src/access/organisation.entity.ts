import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';
import { Courier } from '../logistics/courier.entity.js';
import { Market } from '../markets/market.entity.js';
import { OrganisationKind } from '../policy/role.js';

/** A platform, courier firm, agency or the operator: the holder of API keys. */
@ObjectType({ description: 'An organisation holding API keys: a platform, a courier firm, an agency or the hub operator.' })
@Entity({ tableName: 'organisation' })
export class Organisation {
  @Field(() => Int)
  @PrimaryKey()
  id!: number;

  @Field({ description: 'Unique name, e.g. `zhongtong` or `shanxi-agri-dept`.' })
  @Property({ length: 100, unique: true })
  name!: string;

  @Field(() => OrganisationKind)
  @Enum({ items: () => OrganisationKind, nativeEnumName: 'organisation_kind' })
  kind!: OrganisationKind;

  /** For a courier firm: which courier's parcels its keys may see. */
  @ManyToOne(() => Courier, { nullable: true })
  courier?: Courier;

  /** For a platform: which market's listings and sales its keys may see in detail. */
  @ManyToOne(() => Market, { nullable: true })
  platform?: Market;

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
