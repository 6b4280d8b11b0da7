import type { IncomingMessage } from 'node:http';
import { GraphQLError, getOperationAST, parse, validate, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccessConfig } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import type { SubscribePayload } from 'graphql-ws';
import type { HubContext } from '../graphql/context.js';
import { AuditUnavailableError, RateLimitedError, UnauthenticatedError } from '../policy/access.errors.js';
import { createAuthenticator, type Authenticate } from './authenticate.js';
import { createRateLimits, type RateLimits } from './rate-limit.js';
import { checkQueryLimits, queryLimitsPlugin } from './query-limits.js';
import { checkInputText, inputHygienePlugin } from './input-hygiene.js';
import { AuditService } from './audit.service.js';
import { accessFields, AUDIT_STARTED, auditPlugin, mustAudit, outcomeOf } from './audit.plugin.js';
import { startAuditPruner } from './audit-pruner.js';
import { mayUnmaskPersonal, type Viewer } from '../policy/viewer.js';

export interface AccessLayerOptions {
  config: AccessConfig;
  redisUrl?: string;
  rootEm: EntityManager;
  pubSub: HubPubSub;
  log: Logger;
  schema: GraphQLSchema;
  /** Counts failed audit writes (a metric). */
  onAuditFailure?: () => void;
}

/** The socket an operation arrives on: what it authenticated with when it opened. */
export interface WsConnection {
  params: Record<string, unknown> | undefined;
  request: IncomingMessage;
}

/** What the access layer plugs into the WebSocket transport (src/ws/graphql-ws.server.ts). */
export interface WsAccessHooks {
  /** From `connectionParams` (`{ authorization: 'Bearer …' }` or `{ apiKey }`); throws to refuse the connection. */
  authenticate(params: Record<string, unknown> | undefined, request: IncomingMessage): Promise<Viewer>;
  /**
   * Before each operation: identity re-checked, rate limit, query limits, and
   * the audit row of a mutation. Returns the viewer of this operation, or
   * errors to refuse it (with `close` when the socket must close too).
   */
  beforeOperation(connection: WsConnection, payload: SubscribePayload): Promise<{ viewer: Viewer } | { errors: readonly GraphQLError[]; close?: { code: number; reason: string } }>;
  /** After a query or mutation ran, before its result is sent: its audit row; a replacement result when the row could not be written. */
  afterExecution(context: HubContext, payload: SubscribePayload, result: ExecutionResult): Promise<ExecutionResult | void>;
  /** When a subscription ends (or its socket closes): its audit row. */
  afterOperation(context: HubContext, payload: SubscribePayload): void;
  /** The close code and reason for a refused connection. */
  refusal(error: unknown): { code: number; reason: string };
}

/**
 * The access layer, assembled in one place (STYLE.md 7): authentication, rate
 * limits, query limits, audit and its pruning job, with one entry per
 * transport. The schema-side parts (policy and masking middleware,
 * authChecker, the @classified directive) are registered in
 * src/schema.ts; row scopes in src/hub-context.ts.
 */
export interface AccessLayer {
  authenticate: Authenticate;
  rateLimits: RateLimits;
  audit: AuditService;
  /** Query limits and audit, for Apollo. */
  apolloPlugins: ApolloServerPlugin<HubContext>[];
  /** graphql-ws: authenticate from connectionParams, identity, limits and audit around each operation. */
  ws: WsAccessHooks;
  close(): Promise<void>;
}

/** The client's address as seen on the socket (no proxy headers are trusted). */
export function clientAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

const param = (params: Record<string, unknown> | undefined, ...names: string[]): string | null => {
  for (const name of names) {
    const value = params?.[name];
    if (typeof value === 'string') return value;
  }
  return null;
};

/** Credentials from graphql-ws connectionParams (`authorization: Bearer …`, or `apiKey`). @internal */
function credentialsOf(params: Record<string, unknown> | undefined, ip: string) {
  return {
    authorization: param(params, 'authorization', 'Authorization'),
    apiKey: param(params, 'apiKey', 'x-api-key'),
    unmaskReason: param(params, 'unmaskReason', 'x-unmask-reason'),
    ip,
  };
}

/** The audit row of a graphql-ws operation. @internal */
function wsAuditInput(viewer: Viewer, operationType: string, payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null }, outcome: string) {
  return {
    viewer,
    transport: 'ws' as const,
    operationType,
    operationName: payload.operationName ?? null,
    operationText: payload.query,
    variables: payload.variables ?? {},
    outcome,
  };
}

export function createAccessLayer(options: AccessLayerOptions): AccessLayer {
  const { config, log, schema } = options;
  const authenticate = createAuthenticator(options.rootEm, config, log);
  const rateLimits = createRateLimits(config.rateLimit, options.redisUrl, log);
  const audit = new AuditService(options.rootEm, options.pubSub, config.audit, log, options.onAuditFailure);
  const pruner = startAuditPruner(audit, log);
  const operationTypes = new WeakMap<object, string>();

  return {
    authenticate,
    rateLimits,
    audit,
    apolloPlugins: [queryLimitsPlugin(config.limits), inputHygienePlugin(), auditPlugin(audit)],
    ws: {
      async authenticate(params, request) {
        const ip = clientAddress(request);
        const credentials = credentialsOf(params, ip);
        const presented = credentials.authorization ?? credentials.apiKey;
        const lockout = await rateLimits.authLockout(ip, presented);
        if (!lockout.allowed) throw new RateLimitedError(lockout.retryAfterSeconds);
        try {
          return await authenticate(credentials);
        } catch (error) {
          if (presented && error instanceof UnauthenticatedError) {
            const spent = await rateLimits.authFailed(ip, presented);
            if (!spent.allowed) throw new RateLimitedError(spent.retryAfterSeconds);
          }
          throw error;
        }
      },
      async beforeOperation({ params, request }, payload) {
        // Identity re-checked on every operation (issue #11): a key revoked or expired since the
        // socket opened stops working here, and a changed role or scope applies at once.
        let viewer: Viewer;
        try {
          viewer = await authenticate(credentialsOf(params, clientAddress(request)));
        } catch (error) {
          if (!(error instanceof UnauthenticatedError)) throw error;
          return { errors: [error], close: { code: 4401, reason: error.message.slice(0, 120) } };
        }
        const budget = await rateLimits.consume(viewer.role ? viewer.actor : `ip:${viewer.ip}`);
        if (!budget.allowed) return { errors: [new RateLimitedError(budget.retryAfterSeconds)] };
        let document;
        try {
          document = parse(payload.query, { maxTokens: config.limits.maxTokens });
        } catch (error) {
          return { errors: [error as GraphQLError] };
        }
        const invalid = validate(schema, document);
        if (invalid.length) return { errors: invalid };
        const exceeded = checkQueryLimits(schema, config.limits, document, payload.operationName, payload.variables);
        if (exceeded) return { errors: [exceeded] };
        const unstorable = checkInputText(document, payload.variables);
        if (unstorable) return { errors: [unstorable] };
        const operationType = getOperationAST(document, payload.operationName)?.operation ?? 'unknown';
        operationTypes.set(payload, operationType);
        // Fail closed (issue #11): a mutation, or anything an admin reads unmasked, is recorded before it runs.
        if (operationType === 'mutation' || (operationType === 'subscription' && mayUnmaskPersonal(viewer))) {
          try {
            await audit.record(wsAuditInput(viewer, operationType, payload, AUDIT_STARTED));
          } catch (error) {
            if (error instanceof AuditUnavailableError) return { errors: [error] };
            throw error;
          }
        }
        return { viewer };
      },
      async afterExecution(context, payload, result) {
        const operationType = operationTypes.get(payload);
        if (!operationType || operationType === 'subscription') return;
        const codes = (result.errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
        if (!mustAudit(operationType, context, codes)) return;
        const input = { ...wsAuditInput(context.viewer, operationType, payload, outcomeOf(codes)), ...accessFields(context) };
        if (operationType === 'mutation' || result.data == null) return audit.recordQuietly(input);
        try {
          await audit.record(input);
        } catch (error) {
          if (error instanceof AuditUnavailableError) return { errors: [error] };
          throw error;
        }
      },
      afterOperation(context, payload) {
        const operationType = operationTypes.get(payload);
        if (operationType !== 'subscription' || !mustAudit(operationType, context, [])) return;
        void audit.recordQuietly({ ...wsAuditInput(context.viewer, operationType, payload, outcomeOf([])), ...accessFields(context) });
      },
      refusal(error) {
        if (error instanceof RateLimitedError) return { code: 4429, reason: `Too many requests; retry after ${error.retryAfterSeconds} s.` };
        if (error instanceof UnauthenticatedError) return { code: 4401, reason: error.message.slice(0, 120) };
        log.error({ err: error }, 'websocket authentication failed unexpectedly');
        return { code: 4500, reason: 'Internal error' };
      },
    },
    async close() {
      pruner.stop();
      await rateLimits.close();
    },
  };
}
