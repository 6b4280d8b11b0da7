import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, Float, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Region } from '../regions/region.entity.js';
import { Courier } from './courier.entity.js';
import { FilingStatus, LogisticsNodeKind } from './logistics-enums.js';

@ObjectType({ implements: Node, description: 'A node of the rural logistics network (county centre, township station, village point...).' })
@Entity({ tableName: 'logistics_node' })
export class LogisticsNode implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'Stable code of the node.' })
  @Property({ length: 64, unique: true })
  code!: string;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field(() => LogisticsNodeKind)
  @Enum({ items: () => LogisticsNodeKind, nativeEnumName: 'logistics_node_kind' })
  kind!: LogisticsNodeKind;

  @ManyToOne(() => Region, { index: true })
  region!: Region;

  @ManyToOne(() => Courier, { nullable: true })
  operator?: Courier;

  @Field(() => FilingStatus)
  @Enum({ items: () => FilingStatus, nativeEnumName: 'filing_status' })
  filingStatus: FilingStatus = FilingStatus.NOT_FILED;

  @Field({ nullable: true, description: 'Filing number (备案编号).' })
  @Property({ length: 64, nullable: true })
  filingNo?: string;

  @Field(() => GraphQLLocalDate, { nullable: true })
  @Property({ type: 'date', nullable: true })
  filedOn?: string;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  longitude?: number;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  latitude?: number;

  get globalId(): string {
    return toGlobalId('LogisticsNode', this.id);
  }
}
