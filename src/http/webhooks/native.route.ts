import type { Request, RequestHandler } from 'express';
import { courierWithSecrets, verifyNativeSignature } from '../../logistics/courier-credential.service.js';
import { ingestTrackingEvents, keepUnreadablePush } from '../../logistics/tracking-ingest.service.js';
import { MalformedPushError } from '../../logistics/tracking-errors.js';
import { FeedProblem, type RawFeedItem } from '../../logistics/feeds/feed-event.js';
import { splitNativeBatch } from '../../logistics/feeds/native.mapper.js';
import { splitEpcisDocument } from '../../logistics/feeds/epcis.mapper.js';
import { TrackingFormat } from '../../logistics/tracking-format.js';
import { count, handle, parseJson, rawBody, type WebhookDeps } from './webhook-http.js';

/**
 * `POST /hooks/couriers/:courier` (native JSON batch, schema/courier-batch.schema.json)
 * and `POST /hooks/couriers/:courier/epcis` (EPCIS document): signed with
 * `x-hub-timestamp` + `x-hub-signature: sha256=<hex HMAC-SHA256 of timestamp + "." + raw body>`.
 * 200 with per-event outcome; 401 bad/stale/replayed signature; 400 unreadable; 413 too large.
 */
export function signedJsonRoute(deps: WebhookDeps, format: TrackingFormat.NATIVE | TrackingFormat.EPCIS): RequestHandler[] {
  const split: (body: unknown) => RawFeedItem[] = format === TrackingFormat.EPCIS ? splitEpcisDocument : splitNativeBatch;
  return [
    rawBody(deps.bodyLimit),
    handle(async (req: Request, res) => {
      const em = deps.em.fork();
      const courier = await courierWithSecrets(em, String(req.params.courier));
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = verifyNativeSignature(courier, req.header('x-hub-timestamp'), req.header('x-hub-signature'), body);
      const origin = `POST ${req.originalUrl} at ${new Date().toISOString()}`;
      const text = body.toString('utf8');
      const parsed = parseJson(text);
      let items: RawFeedItem[];
      try {
        if (!parsed.ok) throw new FeedProblem('(body)', parsed.message);
        items = split(parsed.value);
      } catch (error) {
        if (!(error instanceof FeedProblem)) throw error;
        await keepUnreadablePush(em, courier.code, format, text, error.field, error.message, origin);
        throw new MalformedPushError(error.message, error.field);
      }
      const result = await ingestTrackingEvents(em, deps.pubSub, { courier: courier.code, items, signature, origin });
      count(deps, format, result);
      res.json(result);
    }),
  ];
}
