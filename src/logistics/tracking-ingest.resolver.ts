import { Arg, Authorized, Ctx, Field, Float, ID, InputType, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { BadUserInputError } from '../platform/errors.js';
import { sqlList } from '../platform/sql.js';
import { fromGlobalId } from '../relay/global-id.js';
import { ShipmentStatus } from './logistics-enums.js';
import { TrackingFormat } from './tracking-format.js';
import { MAX_PUSH_ITEMS as MAX_BATCH_EVENTS } from './feeds/courier-formats.js';
import { ingestPush, replayKeptEvents } from './tracking-ingest.service.js';
import { ForbiddenError } from '../policy/access.errors.js';
import { Role } from '../policy/role.js';
import { Courier } from './courier.entity.js';

@InputType({ description: 'Where a scan happened.' })
export class TrackingLocationInput {
  @Field({ nullable: true, description: 'Region code (2-12 digits) or `CN` + 12 digits as Kuaidi100 sends it.' })
  regionCode?: string;

  @Field({ nullable: true, description: 'Code of a logistics node known to the hub.' })
  nodeCode?: string;

  @Field({ nullable: true, description: 'Place as the courier names it.' })
  text?: string;
}

@InputType({ description: 'Recipient (personal data: stored, never exposed without access control).' })
export class RecipientInput {
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) phone?: string;
  @Field({ nullable: true }) address?: string;
}

@InputType({ description: 'What the courier knows about the parcel; absent values leave stored ones alone.' })
export class DeclaredShipmentInput {
  @Field({ nullable: true }) originRegionCode?: string;
  @Field({ nullable: true }) destinationRegionCode?: string;
  @Field({ nullable: true, description: 'Catalogue product code (enables the cold-chain check).' }) product?: string;
  @Field({ nullable: true, description: 'Market code of the e-commerce platform.' }) platform?: string;
  @Field({ nullable: true }) isFarmProduct?: boolean;
  @Field(() => Float, { nullable: true }) weightKg?: number;
  @Field({ nullable: true, description: 'Delivery promised by (RFC 3339).' }) promisedAt?: string;
  @Field(() => RecipientInput, { nullable: true }) recipient?: RecipientInput;
}

/** The native batch event (schema/courier-batch.schema.json) as a GraphQL input; validated by the same JSON Schema. */
@InputType({ description: 'One tracking event, as in the native JSON batch (schema/courier-batch.schema.json).' })
export class TrackingEventInput {
  @Field({ nullable: true, description: "The courier's own id of the scan; re-sending it stores nothing new." }) eventId?: string;
  @Field() trackingNumber!: string;
  @Field(() => ShipmentStatus) status!: ShipmentStatus;
  @Field({ description: 'RFC 3339 with an offset, e.g. 2026-11-23T09:15:00+08:00.' }) occurredAt!: string;
  @Field({ nullable: true }) rawCode?: string;
  @Field({ nullable: true }) description?: string;
  @Field(() => TrackingLocationInput, { nullable: true }) location?: TrackingLocationInput;
  @Field(() => Float, { nullable: true }) temperatureC?: number;
  @Field(() => DeclaredShipmentInput, { nullable: true }) shipment?: DeclaredShipmentInput;
}

@ObjectType({ description: 'An event refused by an ingest call, by its index.' })
export class RejectedTrackingEvent {
  @Field(() => Int) index!: number;
  @Field({ description: 'The field at fault, e.g. `events[3].occurredAt`.' }) field!: string;
  @Field() reason!: string;
  @Field({ nullable: true, description: 'Database id of the record kept in the rejected store (see `rejectedRecords`).' }) rejectedRecordId?: string;
}

@ObjectType({ description: 'Outcome of a batch of tracking events.' })
export class IngestTrackingEventsPayload {
  @Field(() => Int, { description: 'Events stored by this call.' }) accepted!: number;
  @Field(() => Int, { description: 'Events stored before (same stable key): nothing changed.' }) duplicates!: number;
  @Field(() => [RejectedTrackingEvent]) rejected!: RejectedTrackingEvent[];
  @Field(() => Int, { description: 'Parcels that received new events.' }) shipmentsUpdated!: number;
  @Field(() => Int, { description: 'Alerts raised.' }) alerts!: number;
}

@ObjectType({ description: 'Outcome of replaying one kept courier event.' })
export class ReplayedTrackingEvent {
  @Field(() => ID, { description: 'Global id of the rejected record (a `RejectedRecord` node).' }) rejectedRecordId!: string;
  @Field({ description: '`REPLAYED` (stored now, or already stored), `STILL_REJECTED` or `NOT_REPLAYABLE`.' }) outcome!: string;
  @Field({ nullable: true }) reason?: string;
}

/** Drops nulls (GraphQL's "not given") so that the JSON Schema sees only what was sent. @internal */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

/**
 * Courier writes over GraphQL. A COURIER key may push as its own firm only
 * (checked here) and the service refuses parcels of another firm; replaying
 * kept events stays ADMIN-only (the default policy for mutations).
 */
@Resolver()
export class TrackingIngestResolver {
  @Mutation(() => IngestTrackingEventsPayload, {
    description: `Stores up to ${MAX_BATCH_EVENTS} tracking events of one courier in one transaction (same rules as POST /hooks/couriers/{courier}): each bad event is refused by index and kept for replay, the rest are stored; re-sent events are stored once.`,
  })
  @Authorized(Role.COURIER)
  async ingestTrackingEvents(
    @Arg('courier', { description: 'Courier code, e.g. `zhongtong`.' }) courier: string,
    @Arg('events', () => [TrackingEventInput]) events: TrackingEventInput[],
    @Ctx() ctx: HubContext,
  ): Promise<IngestTrackingEventsPayload> {
    if (ctx.viewer.role === Role.COURIER) {
      // A courier key pushes for its own firm only; the service then refuses parcels of other firms.
      const own = ctx.viewer.courierId == null ? null : await ctx.em.findOne(Courier, { id: ctx.viewer.courierId });
      if (own?.code !== courier) {
        throw new ForbiddenError(`This key belongs to courier "${own?.code ?? 'none'}"; it cannot push events as "${courier}".`);
      }
    }
    if (events.length === 0 || events.length > MAX_BATCH_EVENTS) {
      throw new BadUserInputError(`Argument "events" must hold 1 to ${MAX_BATCH_EVENTS} events (got ${events.length}).`, 'events');
    }
    return ingestPush(ctx.em, ctx.pubSub, {
      courier,
      format: TrackingFormat.GRAPHQL,
      payload: events.map((event) => withoutNulls({ ...event })),
      origin: `mutation ingestTrackingEvents at ${new Date().toISOString()}`,
    });
  }

  @Mutation(() => [ReplayedTrackingEvent], {
    description:
      'Replays kept courier events (rejected records of a `courier:*` feed) through the ingest path, e.g. after a missing node or product was added. Stored ones are marked REPLAYED.',
  })
  async replayRejectedTrackingEvents(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: HubContext): Promise<ReplayedTrackingEvent[]> {
    const keys = ids.map((id, i) => {
      const decoded = fromGlobalId(id);
      if (decoded?.type !== 'RejectedRecord') throw new BadUserInputError(`ids[${i}] is not a RejectedRecord id.`, `ids[${i}]`);
      return decoded.key;
    });
    const rows = await ctx.em
      .getConnection()
      .execute<{ id: string; connector: string; pipeline: string | null; raw: unknown; position: string | null }[]>(
        `select id::text as id, connector, pipeline, raw, position from rejected_record where id in (?) and connector like 'courier:%'`,
        [sqlList(keys)],
      );
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    const outcomes = await replayKeptEvents(ctx.em, ctx.pubSub, rows);
    const results: ReplayedTrackingEvent[] = [];
    for (const [i, key] of keys.entries()) {
      const id = ids[i];
      const outcome = byId.has(key) ? outcomes.get(key) : undefined;
      if (!outcome) {
        results.push({ rejectedRecordId: id, outcome: 'NOT_REPLAYABLE', reason: 'No kept courier event with this id.' });
      } else if (outcome.ok) {
        await ctx.em.getConnection().execute(`update rejected_record set status = 'REPLAYED', replayed_at = now() where id = ?`, [key]);
        results.push({ rejectedRecordId: id, outcome: 'REPLAYED' });
      } else {
        results.push({ rejectedRecordId: id, outcome: /unreadable push/.test(outcome.reason) ? 'NOT_REPLAYABLE' : 'STILL_REJECTED', reason: outcome.reason });
      }
    }
    return results;
  }
}
