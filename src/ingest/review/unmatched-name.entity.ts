import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../relay/node.type.js';
import { toGlobalId } from '../../relay/global-id.js';
import { Product } from '../../catalog/product.entity.js';
import { Variety } from '../../catalog/variety.entity.js';

export enum ReviewStatus {
  /** Waiting for a reviewer. */
  PENDING = 'PENDING',
  /** Accepted as an alias of a product (and variety); past rows re-linked. */
  ACCEPTED = 'ACCEPTED',
  /** Not a catalogue product (or not worth one); rows stay unlinked. */
  DISMISSED = 'DISMISSED',
}
registerEnumType(ReviewStatus, { name: 'ReviewStatus' });

/**
 * A product name that entity resolution could not match with confidence: the
 * review queue. Facts carrying it are stored with a null product; accepting a
 * match adds the name as an alias and re-links them.
 */
@ObjectType({ implements: Node, description: 'A product name no catalogue entry matched with confidence, waiting for review.' })
@Entity({ tableName: 'unmatched_name' })
export class UnmatchedName implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'The name as sources wrote it.' })
  @Property({ length: 200, unique: true })
  rawName!: string;

  @Field({ description: 'The name after normalisation (no brackets, sizes, packaging, origins).' })
  @Property({ length: 200 })
  normalised!: string;

  @Field(() => Int, { description: 'Stored facts (prices, listings, sales) that carried it when first stored.' })
  @Property({ default: 0 })
  count: number = 0;

  @Field(() => [GraphQLJSON], { description: 'A few of those facts: connector, source key and what they said.' })
  @Property({ type: 'jsonb', defaultRaw: `'[]'` })
  examples: unknown[] = [];

  @Field(() => [String], { description: 'Connectors that sent it.' })
  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  connectors: string[] = [];

  @ManyToOne(() => Product, { nullable: true })
  suggestedProduct?: Product;

  @ManyToOne(() => Variety, { nullable: true })
  suggestedVariety?: Variety;

  @Field(() => Float, { nullable: true, description: 'Score of the suggestion, 0..1 (accepted automatically from 0.8 with a clear margin).' })
  @Property({ type: 'real', nullable: true })
  suggestionScore?: number;

  @Field(() => ReviewStatus)
  @Enum({ items: () => ReviewStatus, nativeEnumName: 'review_status' })
  status: ReviewStatus = ReviewStatus.PENDING;

  @Field(() => Int, { description: 'Facts re-linked when the match was accepted.' })
  @Property({ default: 0 })
  relinked: number = 0;

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  firstSeenAt: Date = new Date();

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  lastSeenAt: Date = new Date();

  get globalId(): string {
    return toGlobalId('UnmatchedName', this.id);
  }
}
