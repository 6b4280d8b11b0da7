import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { HubPubSub } from '../platform/pubsub.js';
import { IngestSession } from '../ingest/pipeline.js';
import { keepRejected } from '../ingest/rejected-store.js';
import { registerReplayer, type ReplayOutcome, type StoredRejection } from '../ingest/replay.js';
import type { SourceRecord } from '../ingest/connectors/connector.js';
import { TrackingFormat } from './tracking-format.js';
import { MalformedPushError, SignatureError, SignatureFailure, UnknownCourierError } from './tracking-errors.js';
import { FeedProblem } from './feeds/feed-event.js';
import { COURIER_FORMATS, courierPipeline, formatOfPipeline, type KeptTrackingEvent } from './feeds/courier-formats.js';
import { courierConnector, type CourierContext } from './tracking-event.kind.js';

export { courierConnector, eventKey, FINAL_STATUSES, FUTURE_TOLERANCE_MS } from './tracking-event.kind.js';
export type { KeptTrackingEvent } from './feeds/courier-formats.js';

/**
 * Courier pushes into the one ingest pipeline (issue #13), whatever the
 * transport (webhook, GraphQL, replay): the push's format is a push connector
 * (src/logistics/feeds/courier-formats.ts) whose reader splits the push into
 * items and whose mapper reads each through the format's status table; the
 * pipeline validates, resolves, writes, derives (src/logistics/tracking-event.kind.ts),
 * keeps refused events and publishes. Knows nothing of HTTP: the caller passes
 * the authenticated courier and, for signed pushes, the verified signature.
 *
 * Before anything is stored (issue #11): a signature already used refuses
 * the push whole; a body already processed (AfterShip, Kuaidi100: their
 * signatures cover no timestamp) is answered as a replay without being read;
 * a push with more items than the cap is refused whole; only then is
 * anything read, kept or written. The signature is claimed in the
 * batch's own transaction, so a batch that rolls back does not burn it.
 */

/** One push (or mutation call) of a known courier. */
export interface PushRequest {
  /** The authenticated courier: every event must be its own. */
  courier: string;
  format: TrackingFormat;
  /** The push as parsed: native body, Kuaidi100 `param`, AfterShip body, EPCIS document, or the mutation's event list. */
  payload: unknown;
  /** Signature of a signed push: stored with the events, so the same request cannot be replayed. */
  signature?: string;
  /**
   * For formats whose signature covers no timestamp (AfterShip, Kuaidi100): a digest of the signed
   * body (`pushBodyDigest`). The same body again is a replay: answered as such before it is read,
   * storing and keeping nothing (issue #11); claimed in the batch's transaction like a signature.
   */
  bodyDigest?: string;
  /** Where the request came from, for the rejected store (e.g. `POST /hooks/couriers/zhongtong at …`). */
  origin: string;
  /**
   * The courier as the caller already read it (the webhooks read it with its secrets), with whether `signature` was
   * already used: saves the service its own lookup. Must be the courier `courier` names.
   */
  resolved?: CourierContext['courier'] & { replayed: boolean };
}

/** One refused event, by its index in the request. */
export interface RejectedEvent {
  index: number;
  field: string;
  reason: string;
  /** Id of the rejected-store record kept for replay. */
  rejectedRecordId?: string;
}

export interface IngestResult {
  /** Events stored by this request. */
  accepted: number;
  /** Events already stored before (same stable key); nothing changed. */
  duplicates: number;
  rejected: RejectedEvent[];
  /** Shipments that received at least one new event. */
  shipmentsUpdated: number;
  /** Alerts raised by this request. */
  alerts: number;
  /** The same body was processed before (AfterShip, Kuaidi100): it was not read again and nothing was stored. */
  replayed?: true;
}

/** The answer to a body already processed: nothing read, nothing stored. @internal */
const replayedResult = (): IngestResult => ({ accepted: 0, duplicates: 0, rejected: [], shipmentsUpdated: 0, alerts: 0, replayed: true });

/** Whether the body of a push without a signed timestamp was processed before (issue #11: checked before anything is read or stored). */
export async function isReplayedBody(em: EntityManager, bodyDigest: string | undefined): Promise<boolean> {
  if (!bodyDigest) return false;
  const seen = await em.getConnection().execute<unknown[]>('select 1 from webhook_signature where signature = ?', [bodyDigest]);
  return seen.length > 0;
}

/**
 * The courier of a push, or UnknownCourierError; and, for a signed push, a
 * signature already used is refused before anything is read or stored. One
 * statement for both. @internal
 */
async function courierOf(
  em: EntityManager,
  code: string,
  signature?: string,
  resolved?: CourierContext['courier'] & { replayed: boolean },
): Promise<CourierContext['courier']> {
  if (resolved && resolved.code !== code) throw new Error(`The resolved courier "${resolved.code}" is not "${code}".`);
  const [courier] = resolved
    ? [resolved]
    : await em
        .getConnection()
        .execute<(CourierContext['courier'] & { replayed: boolean })[]>(
          'select id, code, aftership_slug, exists (select 1 from webhook_signature where signature = ?) as replayed from courier where code = ?',
          [signature ?? '', code],
        );
  if (!courier) throw new UnknownCourierError(code);
  if (signature && courier.replayed) {
    throw new SignatureError(SignatureFailure.REPLAYED, 'This signature was already used: re-sign the request with a fresh timestamp.');
  }
  return { id: courier.id, code: courier.code, aftership_slug: courier.aftership_slug };
}

/** Claims the signature in the batch's transaction: a concurrent replay of the same request stores nothing. @internal */
function claimSignature(signature: string | undefined, courierId: number) {
  return async (client: pg.PoolClient) => {
    if (!signature) return;
    const claimed = await client.query('insert into webhook_signature (signature, courier_id) values ($1, $2) on conflict do nothing returning signature', [
      signature,
      courierId,
    ]);
    if (!claimed.rowCount) throw new SignatureError(SignatureFailure.REPLAYED, 'This signature was already used: re-sign the request with a fresh timestamp.');
  };
}

/** The session of one courier and format. @internal */
function session(em: EntityManager, pubSub: HubPubSub | undefined, courier: CourierContext['courier'], format: TrackingFormat, origin: string): IngestSession {
  const manifest = COURIER_FORMATS[format];
  return new IngestSession(em, {
    connector: courierConnector(courier.code),
    pipeline: courierPipeline(format),
    map: manifest.map as (raw: unknown, config: unknown) => ReturnType<typeof manifest.map>,
    config: { courier: courier.code, origin },
    pubSub,
    context: { courier } satisfies CourierContext,
  });
}

/**
 * Stores one push of a courier through the ingest pipeline: per-event
 * outcome (refused events by index, kept for replay), all stored events in
 * one transaction, duplicates skipped, parcels derived, alerts raised,
 * subscribers told after the commit. Throws for a push refused whole
 * (replayed signature, too many items, unreadable envelope).
 */
export async function ingestPush(em: EntityManager, pubSub: HubPubSub | undefined, request: PushRequest): Promise<IngestResult> {
  const courier = await courierOf(em, request.courier, request.signature, request.resolved);
  if (await isReplayedBody(em, request.bodyDigest)) return replayedResult();
  const manifest = COURIER_FORMATS[request.format];
  let records: SourceRecord[];
  try {
    records = [];
    const reader = manifest.read({
      config: { courier: courier.code, origin: request.origin },
      cursor: null,
      options: { payload: request.payload },
      log: undefined as never,
      signal: new AbortController().signal,
    });
    for await (const batch of reader) records.push(...batch.records);
  } catch (error) {
    if (error instanceof FeedProblem) throw new MalformedPushError(error.message, error.field);
    throw error;
  }
  let result: Awaited<ReturnType<IngestSession['write']>>;
  try {
    result = await session(em, pubSub, courier, request.format, request.origin).write(records, {
      beforeWrite: claimSignature(request.signature ?? request.bodyDigest, courier.id),
    });
  } catch (error) {
    // The same body arrived twice at once: the one that lost the claim stored nothing and is a replay.
    if (request.bodyDigest && error instanceof SignatureError) return replayedResult();
    throw error;
  }
  return {
    accepted: result.counts.stored,
    duplicates: result.counts.duplicates,
    rejected: result.rejections.map((r, i) => ({
      index: r.index,
      field: r.field ?? '',
      reason: r.reason,
      ...(result.rejectedIds[i] ? { rejectedRecordId: result.rejectedIds[i] } : {}),
    })),
    shipmentsUpdated: result.figures.shipmentsUpdated ?? 0,
    alerts: result.figures.alerts ?? 0,
  };
}

/**
 * Keeps a whole push that could not be read (malformed JSON, bad envelope) in
 * the rejected store, after its signature verified (and once: the same body
 * again is the same record). Nothing of it is stored, but nothing is lost
 * either. Not for a push refused for its size: that one is not kept.
 */
export async function keepUnreadablePush(
  em: EntityManager,
  courier: string,
  format: TrackingFormat,
  body: string,
  field: string,
  reason: string,
  origin: string,
): Promise<string | undefined> {
  const [id] = await keepRejected(em, [
    {
      connector: courierConnector(courier),
      reason,
      field,
      position: origin.slice(0, 300),
      identity: '',
      raw: { format, courier, body: body.slice(0, 1_000_000) },
    },
  ]);
  return id;
}

/**
 * Replays kept courier events (one rejected record each) through the same
 * pipeline, one at a time, storing no new rejection: `{ok: true}` when the
 * event is now stored (or was already).
 */
export async function replayKeptEvents(
  em: EntityManager,
  pubSub: HubPubSub | undefined,
  records: readonly StoredRejection[],
): Promise<Map<string, ReplayOutcome>> {
  const outcomes = new Map<string, ReplayOutcome>();
  for (const record of records) {
    const kept = record.raw as Partial<KeptTrackingEvent> & { body?: string };
    const format = kept?.format ?? formatOfPipeline(record.pipeline);
    if (!format || !kept || kept.event === undefined || !kept.courier) {
      outcomes.set(record.id, { ok: false, reason: 'An unreadable push is kept whole for inspection; ask the courier to send it again.' });
      continue;
    }
    const courier = await courierOf(em, kept.courier);
    const result = await session(em, pubSub, courier, format, `replay of rejected record ${record.id}`).write(
      [{ raw: kept, position: `replay of rejected record ${record.id}`, path: 'event' }],
      { keepRejections: false },
    );
    const failure = result.rejections[0];
    outcomes.set(record.id, failure ? { ok: false, reason: `${failure.field}: ${failure.reason}`, field: failure.field } : { ok: true });
  }
  return outcomes;
}

// `replayRejected` re-reads a courier's kept events with the format that refused them.
for (const format of Object.values(TrackingFormat)) registerReplayer(courierPipeline(format), (em, records, pubSub) => replayKeptEvents(em, pubSub, records));
