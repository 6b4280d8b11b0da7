import { Router } from 'express';
import { TrackingFormat } from '../../logistics/tracking-format.js';
import { signedJsonRoute } from './native.route.js';
import { kuaidi100Errors, kuaidi100Route } from './kuaidi100.route.js';
import { aftershipRoute } from './aftership.route.js';
import { jsonErrors, type WebhookDeps } from './webhook-http.js';

/**
 * The courier push endpoints, mounted at `/hooks` with their own body parsers
 * (signatures are over the raw bytes, so the JSON parser of /graphql must not
 * see them first):
 *
 * - `POST /hooks/couriers/:courier`           native JSON batch
 * - `POST /hooks/couriers/:courier/epcis`     GS1 EPCIS document (same signature)
 * - `POST /hooks/couriers/:courier/kuaidi100` Kuaidi100 push
 * - `POST /hooks/couriers/:courier/aftership` AfterShip webhook
 */
export function courierWebhooksRouter(deps: WebhookDeps): Router {
  const router = Router();
  const kuaidi100 = Router({ mergeParams: true });
  kuaidi100.post('/', ...kuaidi100Route(deps));
  kuaidi100.use(kuaidi100Errors(deps));
  router.use('/couriers/:courier/kuaidi100', kuaidi100);
  router.post('/couriers/:courier/aftership', ...aftershipRoute(deps));
  router.post('/couriers/:courier/epcis', ...signedJsonRoute(deps, TrackingFormat.EPCIS));
  router.post('/couriers/:courier', ...signedJsonRoute(deps, TrackingFormat.NATIVE));
  router.use(jsonErrors(deps));
  return router;
}
