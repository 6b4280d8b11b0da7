import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';
import { Organisation } from './organisation.entity.js';
import { KeyScope, Role } from '../policy/role.js';

/**
 * An API key. Only its public id and a SHA-256 of the whole key are stored;
 * the key itself is shown once, when it is created or rotated.
 */
@ObjectType({ description: 'An API key (never its secret): role, scopes, expiry and state.' })
@Entity({ tableName: 'api_key' })
@Index({ properties: ['organisation'] })
export class ApiKey {
  @PrimaryKey()
  id!: number;

  @Field({ description: 'Public identifier, the part of the key after `hh_` and before the second `_`.' })
  @Property({ length: 32, unique: true })
  keyId!: string;

  /** Hex SHA-256 of the full key (see api-key.token.ts for why not a slow hash). */
  @Property({ length: 64 })
  secretHash!: string;

  @ManyToOne(() => Organisation)
  organisation!: Organisation;

  @Field(() => Role)
  @Enum({ items: () => Role, nativeEnumName: 'access_role' })
  role!: Role;

  @Field(() => [KeyScope])
  @Property({ type: 'text[]' })
  scopes: KeyScope[] = [KeyScope.READ, KeyScope.WRITE];

  @Field({ nullable: true, description: 'What the key is for.' })
  @Property({ length: 200, nullable: true })
  label?: string;

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Field({ nullable: true, description: 'The key stops working at this time.' })
  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date;

  @Field({ nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date;

  @Field({ nullable: true, description: 'Last successful use (updated at most once a minute).' })
  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt?: Date;

  @Field({ nullable: true, description: 'The key this one replaced by rotation.' })
  @Property({ length: 32, nullable: true })
  rotatedFrom?: string;
}
