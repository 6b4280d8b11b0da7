import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { registerEnumType } from 'type-graphql';

/** Where a connector stands. */
export enum ConnectorStatus {
  /** Configured, never run (or not since the hub started and no state was saved). */
  IDLE = 'IDLE',
  /** A load is in progress. */
  RUNNING = 'RUNNING',
  /** The last load succeeded. */
  OK = 'OK',
  /** The last load failed; see lastError. Other connectors are not affected. */
  FAILED = 'FAILED',
}
registerEnumType(ConnectorStatus, { name: 'ConnectorStatus' });

/** Counts of one load or of all loads. */
export interface LoadCountsJson {
  read: number;
  stored: number;
  duplicates: number;
  rejected: number;
  unmatched: number;
}

/**
 * Saved state of one configured connector: its cursor or watermark (saved in
 * the same transaction as the batch it follows, so a crash never skips or
 * repeats a committed batch), status, last success, counts and last error.
 */
@Entity({ tableName: 'connector_state' })
export class ConnectorState {
  @PrimaryKey({ length: 64 })
  name!: string;

  @Property({ length: 64 })
  module!: string;

  @Enum({ items: () => ConnectorStatus, nativeEnumName: 'connector_status' })
  status: ConnectorStatus = ConnectorStatus.IDLE;

  /** The reader's cursor or watermark, as the reader defines it. */
  @Property({ type: 'jsonb', nullable: true })
  cursor?: unknown;

  /** How many times the cursor moved: each batch's update is fenced on the value its run started from (issue #12). */
  @Property({ type: 'bigint', defaultRaw: '0' })
  cursorSeq: string = '0';

  @Property({ type: 'timestamptz', nullable: true })
  lastRunAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  lastSuccessAt?: Date;

  @Property({ type: 'text', nullable: true })
  lastError?: string;

  @Property({ type: 'timestamptz', nullable: true })
  lastErrorAt?: Date;

  @Property({ type: 'jsonb', nullable: true })
  lastCounts?: LoadCountsJson;

  @Property({ type: 'jsonb', nullable: true })
  totalCounts?: LoadCountsJson;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}
