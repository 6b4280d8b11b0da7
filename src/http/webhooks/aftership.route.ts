import type { Request, RequestHandler } from 'express';
import { courierWithSecrets, verifyAftershipSignature } from '../../logistics/courier-credential.service.js';
import { ingestTrackingEvents, keepUnreadablePush } from '../../logistics/tracking-ingest.service.js';
import { MalformedPushError } from '../../logistics/tracking-errors.js';
import { FeedProblem } from '../../logistics/feeds/feed-event.js';
import { splitAftershipBody } from '../../logistics/feeds/aftership.mapper.js';
import { TrackingFormat } from '../../logistics/tracking-format.js';
import { count, handle, parseJson, rawBody, type WebhookDeps } from './webhook-http.js';

/**
 * `POST /hooks/couriers/:courier/aftership`: an AfterShip tracking webhook,
 * verified by `aftership-hmac-sha256` (base64 HMAC-SHA256 of the raw body with
 * the courier's secret). AfterShip signs no timestamp and retries the same
 * body for days, so there is no freshness window here: idempotent event keys
 * make a replay store nothing.
 */
export function aftershipRoute(deps: WebhookDeps): RequestHandler[] {
  return [
    rawBody(deps.bodyLimit),
    handle(async (req: Request, res) => {
      const em = deps.em.fork();
      const courier = await courierWithSecrets(em, String(req.params.courier));
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      verifyAftershipSignature(courier, body, req.header('aftership-hmac-sha256'));
      const origin = `POST ${req.originalUrl} at ${new Date().toISOString()}`;
      const text = body.toString('utf8');
      const parsed = parseJson(text);
      let items;
      try {
        if (!parsed.ok) throw new FeedProblem('(body)', parsed.message);
        items = splitAftershipBody(parsed.value);
      } catch (error) {
        if (!(error instanceof FeedProblem)) throw error;
        await keepUnreadablePush(em, courier.code, TrackingFormat.AFTERSHIP, text, error.field, error.message, origin);
        throw new MalformedPushError(error.message, error.field);
      }
      const result = await ingestTrackingEvents(em, deps.pubSub, { courier: courier.code, items, origin });
      count(deps, TrackingFormat.AFTERSHIP, result);
      res.json(result);
    }),
  ];
}
