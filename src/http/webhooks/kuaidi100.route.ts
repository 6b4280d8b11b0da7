import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { courierWithSecrets, pushBodyDigest, verifyKuaidi100Sign } from '../../logistics/courier-credential.service.js';
import { MalformedPushError } from '../../logistics/tracking-errors.js';
import { KUAIDI100_OK, Kuaidi100PushStatus, type Kuaidi100Param } from '../../logistics/feeds/kuaidi100.mapper.js';
import { keepUnreadablePush } from '../../logistics/tracking-ingest.service.js';
import { TrackingFormat } from '../../logistics/tracking-format.js';
import { count, describeFailure, handle, ingestParsed, parseJson, type WebhookDeps } from './webhook-http.js';

/**
 * `POST /hooks/couriers/:courier/kuaidi100`: a Kuaidi100 push, form fields
 * `param` (JSON) and `sign` (upper-case MD5 of param + salt; the salt is the
 * courier's secret). Answers Kuaidi100's own success body, also when some
 * entries were refused (they are kept for replay; pushing them again would not
 * help); any failure answers `result: false` so that Kuaidi100 pushes again.
 */
export function kuaidi100Route(deps: WebhookDeps): RequestHandler[] {
  return [
    express.urlencoded({ extended: false, limit: deps.bodyLimit }),
    handle(async (req: Request, res) => {
      const em = deps.em.fork();
      const courier = await courierWithSecrets(em, String(req.params.courier));
      const param = typeof req.body?.param === 'string' ? req.body.param : undefined;
      if (param === undefined) throw new MalformedPushError('Missing form field "param".', 'param');
      verifyKuaidi100Sign(courier, param, typeof req.body?.sign === 'string' ? req.body.sign : undefined);
      const origin = `POST ${req.originalUrl} at ${new Date().toISOString()}`;
      const result = await ingestParsed(deps, em, {
        courier: courier.code,
        format: TrackingFormat.KUAIDI100,
        text: param,
        textField: 'param',
        // The sign covers no timestamp: the same param again is a replay, answered before it is read (issue #11).
        bodyDigest: pushBodyDigest(TrackingFormat.KUAIDI100, param),
        origin,
      });
      count(deps, TrackingFormat.KUAIDI100, result);
      // `abort`: Kuaidi100 stopped tracking the waybill ("3天查询无记录", "60天无变化", or a corrected courier in
      // comNew) and asks for "额外的处理逻辑". Its scans are stored as usual; the push itself is kept for an operator
      // (resubscribe, or re-register with the corrected courier), once per body.
      const parsed = parseJson(param);
      const p = (parsed.ok ? parsed.value : {}) as Kuaidi100Param;
      if (p.status === Kuaidi100PushStatus.ABORT && !result.replayed) {
        const nu = String(p.lastResult?.nu ?? '').slice(0, 64);
        const why = typeof p.message === 'string' && p.message ? p.message.slice(0, 200) : 'no reason given';
        const corrected = typeof p.comNew === 'string' && p.comNew ? `; Kuaidi100 says the courier is "${p.comNew.slice(0, 60)}" (comNew)` : '';
        await keepUnreadablePush(
          em,
          courier.code,
          TrackingFormat.KUAIDI100,
          param,
          'param.status',
          `Kuaidi100 stopped tracking waybill "${nu}" (status abort: ${why})${corrected}: resubscribe it or register it with the right courier.`,
          origin,
        );
      }
      if (result.rejected.length) deps.log.info({ courier: courier.code, rejected: result.rejected }, 'kuaidi100 push: entries refused and kept for replay');
      res.json(KUAIDI100_OK);
    }),
  ];
}

/** Failures in Kuaidi100's answer shape (`result: false` makes it push again). */
export function kuaidi100Errors(deps: WebhookDeps): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const failure = describeFailure(error, deps.bodyLimit);
    deps.log[failure.status >= 500 ? 'warn' : 'info'](
      { path: req.path, status: failure.status, code: failure.code, err: failure.status >= 500 ? (error as Error)?.message : undefined },
      'kuaidi100 push not accepted',
    );
    res.status(failure.status).json({ result: false, returnCode: String(failure.status), message: failure.message });
  };
}
