import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';
import { Product } from './product.entity.js';
import { Variety } from './variety.entity.js';

export enum AliasSource {
  /** Written in the catalogue files under seeds/catalogue (reloaded on every start). */
  CATALOGUE = 'CATALOGUE',
  /** Added by a reviewer accepting a queued name. */
  REVIEW = 'REVIEW',
  /** Imported from an officials' CSV file. */
  IMPORT = 'IMPORT',
}
registerEnumType(AliasSource, { name: 'AliasSource' });

/**
 * A name that reviewers or officials tied to a catalogue product (and
 * variety) after the catalogue was built (issue #14). Kept apart from the
 * catalogue files' own aliases, which are reloaded on every start, so that a
 * reviewer's decision survives a catalogue update. Names are unique by their
 * lookup key (folded, without blanks and punctuation).
 */
@ObjectType({ implements: Node, description: 'A trade name tied to a product by a reviewer or an import.' })
@Entity({ tableName: 'catalog_alias' })
export class CatalogAlias implements Node {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'The name as accepted.' })
  @Property({ length: 200 })
  alias!: string;

  /** Lookup key of the name (what the matcher compares). */
  @Property({ length: 200, unique: true })
  aliasKey!: string;

  @ManyToOne(() => Product, { index: true, deleteRule: 'cascade' })
  product!: Product;

  @ManyToOne(() => Variety, { nullable: true, deleteRule: 'set null' })
  variety?: Variety;

  @Field(() => AliasSource)
  @Enum({ items: () => AliasSource, nativeEnumName: 'alias_source' })
  source!: AliasSource;

  @Field({ nullable: true, description: 'Who added it (API key organisation or JWT subject).' })
  @Property({ length: 200, nullable: true })
  createdBy?: string;

  @Field({ nullable: true })
  @Property({ type: 'text', nullable: true })
  note?: string;

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  get globalId(): string {
    return toGlobalId('CatalogAlias', this.id);
  }
}
