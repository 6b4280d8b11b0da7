import { Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

/** Where a fact came from: one authoritative source per datum (一数一源). */
@ObjectType('Provenance', { description: 'Lineage of a fact: the connector and source record it came from.' })
export class Provenance {
  @Field({ description: 'Connector (or source system) that delivered the fact, e.g. `xinfadi-prices`.' })
  connector!: string;

  @Field({ description: "The fact's key in that source; the same source and key always mean the same fact." })
  key!: string;

  @Field({ description: 'When the hub stored it.' })
  ingestedAt!: Date;
}

/**
 * Base of every fact table: provenance columns (`source_connector`,
 * `source_key`, `ingested_at`). Two sources reporting the same thing are two
 * facts, each with its own source; each entity declares a unique index on
 * (source_connector, source_key) so that re-loading a source adds nothing.
 */
// An ObjectType so that subclasses inherit the `source` field; never exposed by itself.
@ObjectType()
export class Fact {
  @Property({ length: 64 })
  sourceConnector!: string;

  @Property({ length: 255 })
  sourceKey!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  ingestedAt: Date = new Date();

  @Field(() => Provenance, { description: 'Where this fact came from.' })
  get source(): Provenance {
    return { connector: this.sourceConnector, key: this.sourceKey, ingestedAt: this.ingestedAt };
  }
}
