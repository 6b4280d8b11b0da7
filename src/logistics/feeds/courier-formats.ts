import { z } from 'zod';
import { GraphQLError } from 'graphql';
import { defineConnector, type ConnectorManifest, type SourceRecord } from '../../ingest/connectors/connector.js';
import { reject } from '../../ingest/records.js';
import { TrackingFormat } from '../tracking-format.js';
import { FeedProblem, type FeedEvent, type RawFeedItem } from './feed-event.js';
import { mapNativeEvent, splitNativeBatch } from './native.mapper.js';
import { mapKuaidi100Item, splitKuaidi100Param } from './kuaidi100.mapper.js';
import { mapAftershipCheckpoint, splitAftershipBody } from './aftership.mapper.js';
import { mapEpcisEvent, splitEpcisDocument } from './epcis.mapper.js';

/**
 * The courier formats as push connectors of the one ingest pipeline (issue
 * #13): each is a manifest behind the same interface as `connectors/<name>/`
 * (`defineConnector`: a reader and a mapper), instantiated per courier. The
 * reader splits a push into self-contained items (each can be kept and
 * replayed alone) after checking how many there are; the mapper turns one item
 * into a `tracking` record through its format's status table (the
 * `*.mapper.ts` files beside this one, unchanged), which the pipeline then
 * validates, resolves, writes, derives and publishes like any other fact.
 */

/** Most items one push may carry, in every format (issue #11): a larger push is refused whole, storing nothing. */
export const MAX_PUSH_ITEMS = 1000;

/** A push with more items than {@link MAX_PUSH_ITEMS}: HTTP 413, nothing stored, nothing kept. */
export class TooManyItemsError extends GraphQLError {
  constructor(
    readonly field: string,
    readonly count: number,
    readonly limit = MAX_PUSH_ITEMS,
  ) {
    super(`${field} holds ${count} items; a push may carry at most ${limit}: split it into several pushes. Nothing was stored.`, {
      extensions: { code: 'TOO_MANY_ITEMS', argumentName: field, limit, count },
    });
  }
}

/** A courier connector instance: whose push it is and where it came from. */
export interface CourierFeedConfig {
  /** The authenticated courier's code: every event must be its own. */
  courier: string;
  /** Where the push came from, for the rejected store (e.g. `POST /hooks/couriers/zhongtong at …`). */
  origin: string;
}

/** What the rejected store keeps of a refused event (and replays): self-contained. */
export interface KeptTrackingEvent {
  format: TrackingFormat;
  courier: string;
  event: unknown;
}

/** The pipeline name of a format's kept events (`replayRejected` re-reads them with the same format). */
export const courierPipeline = (format: TrackingFormat) => `courier-${format.toLowerCase()}`;

const config = z.object({ courier: z.string().min(1).max(60), origin: z.string().max(300) });

/** The item list of a push and its field, before anything else is read: the cap is checked on it. @internal */
type ItemsOf = (body: unknown) => { field: string; list: unknown } | undefined;

const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);

/** The raw event of a kept record, or the record itself when it is a bare event. @internal */
function eventOf(raw: unknown): unknown {
  return raw && typeof raw === 'object' && 'event' in raw && 'format' in raw ? (raw as KeptTrackingEvent).event : raw;
}

/** A format's mapper as a pipeline mapper: a `tracking` record, or a refusal naming the field. @internal */
function trackingMapper(map: (raw: unknown) => FeedEvent) {
  return (raw: unknown) => {
    try {
      return { kind: 'tracking', ...map(eventOf(raw)) };
    } catch (error) {
      if (error instanceof FeedProblem) return reject(error.message, error.field);
      throw error;
    }
  };
}

function courierFormat(
  format: TrackingFormat,
  description: string,
  itemsOf: ItemsOf,
  split: (body: unknown) => RawFeedItem[],
  map: (raw: unknown) => FeedEvent,
): ConnectorManifest<CourierFeedConfig> {
  return defineConnector<CourierFeedConfig>({
    name: courierPipeline(format),
    kind: 'push',
    description,
    config: config as z.ZodType<CourierFeedConfig>,
    async *read({ config: c, options }) {
      const items = itemsOf(options.payload);
      if (items && Array.isArray(items.list) && items.list.length > MAX_PUSH_ITEMS) throw new TooManyItemsError(items.field, items.list.length);
      const records: SourceRecord[] = split(options.payload).map((item) => ({
        raw: { format: item.format, courier: c.courier, event: item.raw } satisfies KeptTrackingEvent,
        position: `${c.origin} #${item.index}`,
        path: item.path,
        // A re-sent event is the same refused record wherever and whenever it comes again.
        identity: '',
      }));
      yield { records };
    },
    map: trackingMapper(map),
  });
}

/** Every courier format, by its wire format. */
export const COURIER_FORMATS: Readonly<Record<TrackingFormat, ConnectorManifest<CourierFeedConfig>>> = {
  [TrackingFormat.NATIVE]: courierFormat(
    TrackingFormat.NATIVE,
    "Harvest Hub's native JSON batch (schema/courier-batch.schema.json).",
    (body) => ({ field: 'events', list: at(body, 'events') }),
    (body) => splitNativeBatch(body),
    (raw) => mapNativeEvent(raw),
  ),
  [TrackingFormat.GRAPHQL]: courierFormat(
    TrackingFormat.GRAPHQL,
    'The ingestTrackingEvents mutation (native events as GraphQL input).',
    (body) => ({ field: 'events', list: body }),
    (body) => (body as unknown[]).map((raw, index) => ({ format: TrackingFormat.GRAPHQL, index, path: `events[${index}]`, raw })),
    (raw) => mapNativeEvent(raw, TrackingFormat.GRAPHQL),
  ),
  [TrackingFormat.KUAIDI100]: courierFormat(
    TrackingFormat.KUAIDI100,
    'Kuaidi100 push (form fields param + sign).',
    (body) => ({ field: 'param.lastResult.data', list: at(body, 'lastResult', 'data') }),
    splitKuaidi100Param,
    mapKuaidi100Item,
  ),
  [TrackingFormat.AFTERSHIP]: courierFormat(
    TrackingFormat.AFTERSHIP,
    'AfterShip tracking webhook.',
    (body) => ({ field: 'msg.checkpoints', list: at(body, 'msg', 'checkpoints') }),
    splitAftershipBody,
    mapAftershipCheckpoint,
  ),
  [TrackingFormat.EPCIS]: courierFormat(
    TrackingFormat.EPCIS,
    'GS1 EPCIS 2.0 document (sensor reports, cold chain).',
    (body) => ({ field: 'epcisBody.eventList', list: at(body, 'epcisBody', 'eventList') }),
    splitEpcisDocument,
    mapEpcisEvent,
  ),
};

/** The format whose pipeline name this is (`courier-native` -> NATIVE). */
export function formatOfPipeline(pipeline: string | null | undefined): TrackingFormat | undefined {
  return Object.values(TrackingFormat).find((f) => courierPipeline(f) === pipeline);
}
