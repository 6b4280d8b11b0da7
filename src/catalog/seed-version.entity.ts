import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * Which version (content hash) of a reference data set was last loaded, so
 * that a start with unchanged files skips the upsert and a changed file
 * updates the database (issue #14).
 */
@Entity({ tableName: 'seed_version' })
export class SeedVersion {
  @PrimaryKey({ length: 64 })
  name!: string;

  @Property({ length: 64 })
  hash!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  loadedAt: Date = new Date();
}
