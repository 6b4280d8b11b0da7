import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * Signatures of native pushes already processed, kept for the timestamp
 * tolerance window so that a captured request cannot be replayed. Written in
 * the same transaction as the events it carried: a batch that rolled back
 * leaves no signature behind, so the sender's retry of it is accepted.
 */
@Entity({ tableName: 'webhook_signature' })
@Index({ properties: ['seenAt'] })
export class WebhookSignature {
  @PrimaryKey({ length: 128 })
  signature!: string;

  @Property()
  courierId!: number;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  seenAt: Date = new Date();
}
