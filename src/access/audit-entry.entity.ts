import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from '../relay/node.type.js';
import { toGlobalId } from '../relay/global-id.js';

/**
 * One audited operation (issue #6, DOMAIN.md "Data protection": traceable
 * operations, logs kept at least six months). Append-only: a trigger refuses
 * UPDATE, and DELETE except the retention pruning (audit.service.ts).
 */
@ObjectType({ implements: Node, description: 'An audited operation: who, when, what, which classified fields, how many rows.' })
@Entity({ tableName: 'audit_entry' })
@Index({ properties: ['at'] })
@Index({ properties: ['actor', 'at'] })
export class AuditEntry implements Node {
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Field()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Date = new Date();

  @Field({ description: 'API key id, JWT subject, `anonymous`, or `hook:<path>` for webhooks.' })
  @Property({ length: 200 })
  actor!: string;

  @Field({ description: '`api_key`, `jwt`, `anonymous` or `webhook`.' })
  @Property({ length: 16 })
  credential!: string;

  @Field({ nullable: true })
  @Property({ length: 16, nullable: true })
  role?: string;

  @Field({ nullable: true })
  @Property({ length: 100, nullable: true })
  organisation?: string;

  @Field({ nullable: true })
  @Property({ length: 64, nullable: true })
  ip?: string;

  @Field({ description: '`http`, `ws` or `hook`.' })
  @Property({ length: 8 })
  transport!: string;

  @Field({ description: '`query`, `mutation`, `subscription`, or the HTTP method of a webhook.' })
  @Property({ length: 16 })
  operationType!: string;

  @Field({ nullable: true })
  @Property({ length: 200, nullable: true })
  operationName?: string;

  @Field({ description: 'SHA-256 of the operation text (or webhook path), to group repeats.' })
  @Property({ length: 64 })
  operationHash!: string;

  @Field(() => GraphQLJSONObject, { description: 'Variables, with secrets redacted.' })
  @Property({ type: 'jsonb', defaultRaw: `'{}'` })
  variables: Record<string, unknown> = {};

  @Field(() => [String], { description: 'Classified fields touched, as `Type.field:LEVEL`.' })
  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  classifiedFields: string[] = [];

  @Field(() => Int, { description: 'Objects returned.' })
  @Property({ default: 0 })
  rowsReturned: number = 0;

  @Field(() => Int, { description: 'Objects whose personal fields were returned (masked or not).' })
  @Property({ default: 0 })
  personalRecords: number = 0;

  @Field({ nullable: true, description: 'Reason an admin gave to see personal data unmasked.' })
  @Property({ type: 'text', nullable: true })
  unmaskReason?: string;

  @Field({ description: '`OK`, or the error codes returned.' })
  @Property({ length: 200 })
  outcome!: string;

  get globalId(): string {
    return toGlobalId('AuditEntry', this.id);
  }
}
