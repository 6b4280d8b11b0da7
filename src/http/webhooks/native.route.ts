import type { Request, RequestHandler } from 'express';
import { courierWithSecrets, presentedSignature, verifyNativeSignature } from '../../logistics/courier-credential.service.js';
import { TrackingFormat } from '../../logistics/tracking-format.js';
import { count, handle, ingestParsed, rawBody, type WebhookDeps } from './webhook-http.js';

/**
 * `POST /hooks/couriers/:courier` (native JSON batch, schema/courier-batch.schema.json)
 * and `POST /hooks/couriers/:courier/epcis` (EPCIS document): signed with
 * `x-hub-timestamp` + `x-hub-signature: sha256=<hex HMAC-SHA256 of timestamp + "." + raw body>`.
 * 200 with per-event outcome; 401 bad/stale/replayed signature; 400 unreadable; 413 too large.
 */
export function signedJsonRoute(deps: WebhookDeps, format: TrackingFormat.NATIVE | TrackingFormat.EPCIS): RequestHandler[] {
  return [
    rawBody(deps.bodyLimit),
    handle(async (req: Request, res) => {
      const em = deps.em.fork();
      // (One statement: the courier, its secrets, and whether the presented signature was used before.)
      const presented = presentedSignature(req.header('x-hub-signature'));
      const courier = await courierWithSecrets(em, String(req.params.courier), presented);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = verifyNativeSignature(courier, req.header('x-hub-timestamp'), req.header('x-hub-signature'), body);
      const result = await ingestParsed(deps, em, {
        courier: courier.code,
        format,
        text: body.toString('utf8'),
        signature,
        origin: `POST ${req.originalUrl} at ${new Date().toISOString()}`,
        resolved:
          signature === presented ? { id: courier.id, code: courier.code, aftership_slug: courier.aftership_slug, replayed: courier.replayed } : undefined,
      });
      count(deps, format, result);
      res.json(result);
    }),
  ];
}
