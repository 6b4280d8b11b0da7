import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Courier } from './courier.entity.js';

/**
 * A courier's webhook secret: the HMAC key of native and AfterShip pushes and
 * the Kuaidi100 salt. Rotation keeps the previous secret valid next to the new
 * one (two at a time) until it is retired. Never exposed through GraphQL and
 * never logged; plain text because HMAC verification needs the key itself.
 */
@Entity({ tableName: 'courier_credential' })
@Index({ properties: ['courier', 'retiredAt'] })
export class CourierCredential {
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => Courier)
  courier!: Courier;

  @Property({ length: 200 })
  secret!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  /** When set, the secret no longer verifies anything. */
  @Property({ type: 'timestamptz', nullable: true })
  retiredAt?: Date;
}
