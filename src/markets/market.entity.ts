import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, Float, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Region } from '../regions/region.entity.js';
import { MarketChannel } from './market-channel.js';

@ObjectType({ implements: Node, description: 'A market or sales platform where prices are observed.' })
@Entity({ tableName: 'market' })
export class Market implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'Stable slug, e.g. `beijing-xinfadi`.' })
  @Property({ length: 64, unique: true })
  code!: string;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field(() => MarketChannel)
  @Enum({ items: () => MarketChannel, nativeEnumName: 'market_channel' })
  channel!: MarketChannel;

  @ManyToOne(() => Region, { nullable: true, index: true })
  region?: Region;

  @Field({ nullable: true })
  @Property({ length: 300, nullable: true })
  address?: string;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  longitude?: number;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  latitude?: number;

  get globalId(): string {
    return toGlobalId('Market', this.id);
  }
}
