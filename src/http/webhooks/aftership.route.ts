import type { Request, RequestHandler } from 'express';
import { courierWithSecrets, pushBodyDigest, verifyAftershipSignature } from '../../logistics/courier-credential.service.js';
import { TrackingFormat } from '../../logistics/tracking-format.js';
import { count, handle, ingestParsed, rawBody, type WebhookDeps } from './webhook-http.js';

/**
 * `POST /hooks/couriers/:courier/aftership`: an AfterShip tracking webhook,
 * verified by `aftership-hmac-sha256` (base64 HMAC-SHA256 of the raw body with
 * the courier's secret). AfterShip signs no timestamp and retries the same
 * body for days, so there is no freshness window here: the body's digest is
 * remembered (BODY_DIGEST_RETENTION_S) and the same body again is answered
 * `replayed: true` before it is read (issue #11); idempotent event keys
 * keep a later one from storing anything twice.
 */
export function aftershipRoute(deps: WebhookDeps): RequestHandler[] {
  return [
    rawBody(deps.bodyLimit),
    handle(async (req: Request, res) => {
      const em = deps.em.fork();
      const courier = await courierWithSecrets(em, String(req.params.courier));
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      verifyAftershipSignature(courier, body, req.header('aftership-hmac-sha256'));
      const result = await ingestParsed(deps, em, {
        courier: courier.code,
        format: TrackingFormat.AFTERSHIP,
        text: body.toString('utf8'),
        bodyDigest: pushBodyDigest(TrackingFormat.AFTERSHIP, body),
        origin: `POST ${req.originalUrl} at ${new Date().toISOString()}`,
      });
      count(deps, TrackingFormat.AFTERSHIP, result);
      res.json(result);
    }),
  ];
}
