import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Courier } from './courier.entity.js';

/**
 * A courier's webhook secret: the HMAC key of native and AfterShip pushes and
 * the Kuaidi100 salt. Rotation keeps the previous secret valid next to the new
 * one (two at a time) until it is retired. Never exposed through GraphQL and
 * never logged. HMAC verification needs the key itself, so it is stored
 * sealed (AES-256-GCM under SECRETS_KEY, issue #11), never hashed.
 */
@Entity({ tableName: 'courier_credential' })
@Index({ properties: ['courier', 'retiredAt'] })
export class CourierCredential {
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => Courier)
  courier!: Courier;

  /** `v1:` + base64url(iv ‖ tag ‖ ciphertext), see src/platform/secret-box.ts. */
  @Property({ type: 'text' })
  secret!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  /** When set, the secret no longer verifies anything. */
  @Property({ type: 'timestamptz', nullable: true })
  retiredAt?: Date;
}
