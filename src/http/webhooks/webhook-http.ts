import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { ConnectionException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../../platform/logger.js';
import type { HubPubSub } from '../../platform/pubsub.js';
import { ingestPush, isReplayedBody, keepUnreadablePush, type IngestResult, type PushRequest } from '../../logistics/tracking-ingest.service.js';
import { MalformedPushError } from '../../logistics/tracking-errors.js';
import { TooManyItemsError } from '../../logistics/feeds/courier-formats.js';

/** What every courier webhook needs from the hub. */
export interface WebhookDeps {
  /** The root EntityManager; each request forks its own. */
  em: EntityManager;
  pubSub: HubPubSub;
  log: Logger;
  /** Largest body accepted, e.g. "2mb"; larger answers 413. */
  bodyLimit: string;
  /** Counts events by format and outcome (accepted, duplicate, rejected). */
  onEvents?: (format: string, outcome: 'accepted' | 'duplicate' | 'rejected', n: number) => void;
}

/** A handler that may throw; errors go to `next`. @internal */
export const handle =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

/** Whether an error means "the database is not reachable right now" (the sender should retry). */
export function isDatabaseDown(error: unknown): boolean {
  let current = error as { code?: string; cause?: unknown; message?: string } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof ConnectionException) return true;
    if (current.code && CONNECTION_CODES.has(current.code)) return true;
    if (/Connection terminated|connect ECONNREFUSED|the database system is (starting up|shutting down)|terminating connection/i.test(current.message ?? ''))
      return true;
    current = current.cause as typeof current;
  }
  return false;
}

/** A webhook failure as HTTP status and body: client errors by their code, a lost database as 503 (retry), the rest 500. */
export function describeFailure(error: unknown, bodyLimit: string): { status: number; code: string; message: string; extra: Record<string, unknown> } {
  const e = error as { status?: number; type?: string; message?: string };
  if (e?.status === 413 || e?.type === 'entity.too.large')
    return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `Request body is larger than ${bodyLimit}.`, extra: {} };
  if (e?.status === 400 || e?.type === 'entity.parse.failed')
    return { status: 400, code: 'BAD_REQUEST', message: `Malformed request body: ${e.message}`, extra: {} };
  if (error instanceof TooManyItemsError)
    return { status: 413, code: 'TOO_MANY_ITEMS', message: error.message, extra: { field: error.field, limit: error.limit, count: error.count } };
  if (error instanceof GraphQLError) {
    const code = String(error.extensions.code);
    const status = code === 'UNAUTHENTICATED' ? 401 : code === 'NOT_FOUND' ? 404 : code === 'FORBIDDEN' ? 403 : code === 'BAD_USER_INPUT' ? 400 : 500;
    if (status < 500) {
      const { code: _code, ...extra } = error.extensions;
      return { status, code, message: error.message, extra };
    }
  }
  if (isDatabaseDown(error))
    return {
      status: 503,
      code: 'DATABASE_UNAVAILABLE',
      message: 'The database is unavailable right now; nothing was stored, retry shortly.',
      extra: { retryable: true },
    };
  return { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error; nothing was stored, retry.', extra: { retryable: true } };
}

/** The error handler of the JSON webhooks: `{error: {code, message, ...}}` with the status of the failure. */
export function jsonErrors(deps: WebhookDeps): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const failure = describeFailure(error, deps.bodyLimit);
    if (failure.status >= 500) deps.log.warn({ err: (error as Error)?.message, path: req.path, status: failure.status }, 'courier push failed');
    else deps.log.info({ path: req.path, status: failure.status, code: failure.code, reason: failure.extra.reason }, 'courier push refused');
    res.status(failure.status).json({ error: { code: failure.code, message: failure.message, ...failure.extra } });
  };
}

/** The raw body as a Buffer (signatures are over the exact bytes), any content type, capped. */
export const rawBody = (limit: string) => express.raw({ type: () => true, limit });

/** Counts the outcome of an ingest by format. @internal */
export function count(deps: WebhookDeps, format: string, result: IngestResult): void {
  deps.onEvents?.(format, 'accepted', result.accepted);
  deps.onEvents?.(format, 'duplicate', result.duplicates);
  deps.onEvents?.(format, 'rejected', result.rejected.length);
}

/** Parses JSON, naming the problem (a MalformedPushError-ready message) when it is not. @internal */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: `Malformed JSON: ${(error as Error).message}` };
  }
}

/**
 * Parses a push's text and hands it to the ingest service: the thin part
 * every courier route shares. Malformed JSON or a bad envelope answers 400
 * (the body is kept whole in the rejected store, once); too many items 413
 * (nothing kept); a replayed signature 401 (nothing kept).
 */
export async function ingestParsed(
  deps: WebhookDeps,
  em: EntityManager,
  push: Omit<PushRequest, 'payload'> & { text: string; textField?: string },
): Promise<IngestResult> {
  // A body processed before is not read again, nor kept again when it is unreadable (issue #11).
  if (await isReplayedBody(em, push.bodyDigest)) return { accepted: 0, duplicates: 0, rejected: [], shipmentsUpdated: 0, alerts: 0, replayed: true };
  const parsed = parseJson(push.text);
  try {
    if (!parsed.ok) throw new MalformedPushError(parsed.message, push.textField ?? '(body)');
    return await ingestPush(em, deps.pubSub, { ...push, payload: parsed.value });
  } catch (error) {
    if (error instanceof MalformedPushError) {
      await keepUnreadablePush(em, push.courier, push.format, push.text, String(error.extensions.argumentName), error.message, push.origin);
    }
    throw error;
  }
}
