import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Classified } from '../policy/classification.js';
import { MaskKind } from '../policy/masking.js';
import { DataClass } from '../policy/role.js';

export enum RejectedStatus {
  /** Waiting for a fix (alias, mapping, catalogue entry) and a replay. */
  PENDING = 'PENDING',
  /** Replayed successfully: the record is now stored. */
  REPLAYED = 'REPLAYED',
  /** Given up on by an operator. */
  DISCARDED = 'DISCARDED',
}
registerEnumType(RejectedStatus, { name: 'RejectedStatus' });

/**
 * A record an ingest path refused, kept with its raw input so that nothing is
 * lost: the connector (or feed) it came from, where in the input it was, which
 * field was wrong and why. Shared by every connector and courier feed.
 */
@ObjectType({ implements: Node, description: 'A record that failed validation, kept for replay.' })
@Entity({ tableName: 'rejected_record' })
@Index({ properties: ['connector', 'status', 'receivedAt'] })
export class RejectedRecord implements Node {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Field({ description: 'Connector or feed that received it, e.g. `xinfadi-prices` or `courier:zhongtong`.' })
  @Property({ length: 64 })
  connector!: string;

  @Field({ description: 'Why it was refused (may quote the value at fault: masked like free text).' })
  @Classified(DataClass.PERSONAL, MaskKind.FREE_TEXT)
  @Property({ type: 'text' })
  reason!: string;

  @Field({ nullable: true, description: 'The field at fault, e.g. `avgPrice` or `events[3].time`.' })
  @Property({ length: 200, nullable: true })
  field?: string;

  @Field({ nullable: true, description: 'Where in the input: file and row, or request and index.' })
  @Property({ length: 300, nullable: true })
  position?: string;

  @Field({
    nullable: true,
    description: 'What re-reads `raw` on replay: a connector module (`wholesale-prices`), `recordPriceObservations`, or a feed of its own.',
  })
  @Property({ length: 64, nullable: true })
  pipeline?: string;

  /**
   * The firm whose data was refused when that is not the connector itself (`platform:taobao` for the
   * ecommerce-platform connector's listings and sales): its keys see the record, masked (issue #11).
   * Not in the GraphQL schema: the row rule reads it.
   */
  @Property({ length: 64, nullable: true })
  submitter?: string;

  /** The raw push carries recipients' names, phones and addresses (issue #11). */
  @Field(() => GraphQLJSON, { description: 'The record as received; recipients and other personal values masked unless an ADMIN gives an unmask reason.' })
  @Classified(DataClass.PERSONAL, MaskKind.RECORD)
  @Property({ type: 'jsonb' })
  raw!: unknown;

  @Field(() => RejectedStatus)
  @Enum({ items: () => RejectedStatus, nativeEnumName: 'rejected_status' })
  status: RejectedStatus = RejectedStatus.PENDING;

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  receivedAt: Date = new Date();

  @Field({ nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  replayedAt?: Date;

  get globalId(): string {
    return toGlobalId('RejectedRecord', this.id);
  }
}
