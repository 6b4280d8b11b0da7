import type { IncomingMessage } from 'node:http';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { textKeyedCache } from '../platform/text-keyed-cache.js';
import type { ApolloServerPlugin } from '@apollo/server';
import type { SubscribePayload } from 'graphql-ws';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccessConfig } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import type { HubContext } from '../graphql/context.js';
import { AmbiguousCredentialsError, AuditUnavailableError, RateLimitedError, UnauthenticatedError } from '../policy/access.errors.js';
import { createAuthenticator, jwtExpiresAt, type Authenticate, type Credentials } from './authenticate.js';
import { credentialHeaders, oneCredential, tokenOf } from './credentials.js';
import { createRateLimits, type RateLimits } from './rate-limit.js';
import { checkQueryLimits, checkRepeatedFields, queryLimitsPlugin } from './query-limits.js';
import { checkInputText, inputHygienePlugin } from './input-hygiene.js';
import { AuditService } from './audit.service.js';
import { accessFields, AUDIT_STARTED, auditPlugin, mustAudit, outcomeOf } from './audit.plugin.js';
import { mayUnmaskPersonal, type Viewer } from '../policy/viewer.js';
import { visibilityClass } from '../policy/visibility-class.js';
import { listenForKeyChanges } from './key-changes.js';

export interface AccessLayerOptions {
  config: AccessConfig;
  redisUrl?: string;
  rootEm: EntityManager;
  pubSub: HubPubSub;
  log: Logger;
  schema: GraphQLSchema;
  /**
   * Whether introspection is allowed (GRAPHQL_INTROSPECTION; off in production). Apollo applies it over HTTP; off, graphql-ws
   * refuses `__schema`/`__type` too and its validation errors suggest no field names, as Apollo's do.
   * @default true
   */
  introspection?: boolean;
  /** Whether key changes broadcast by other instances reach this one now (Redis up); while not, API keys are looked up on every request. */
  keyChangesReachUs?: () => boolean;
  /** Closes the open sockets of a revoked key (the WebSocket transport); wired by the composition root. */
  onKeyRevoked?: (keyId: string) => void;
  /** Counts failed audit writes (a metric). */
  onAuditFailure?: () => void;
  /** Counts each statement of the audit writer (hub_db_statements_total). */
  onAuditStatement?: () => void;
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
  /** graphql-ws: authenticate from connectionParams, limits before and audit after each operation. */
  ws: {
    /**
     * The socket's caller, from its connection_init payload and its upgrade request's `Authorization` / `x-api-key`
     * header, honoured alike (a Node client can send headers; ignored, the socket ran anonymous in demo mode). Two
     * different credentials (two headers, two parameters, a header and a different parameter) are ambiguous. Returns
     * the credentials the socket's later operations are checked with.
     */
    authenticate(params: Record<string, unknown> | undefined, request: IncomingMessage): Promise<{ viewer: Viewer; credentials: Credentials }>;
    /**
     * Before each operation: the key checked again (issue #11: revoked or expired since the socket
     * opened = UNAUTHENTICATED, and the transport closes the socket with 4401), rate limit, parse,
     * validation, query limits, NUL-free input, and the audit row of a mutation (fail closed).
     * Errors refuse the operation; else its viewer, document and text (one string shared by every
     * subscriber of the same text).
     */
    beforeOperation(
      connection: { credentials: Credentials },
      payload: SubscribePayload,
    ): Promise<readonly GraphQLError[] | { viewer: Viewer; document: DocumentNode; query: string }>;
    /** After a query or mutation ran, before its result is sent: its audit row; a replacement result when that row could not be written (issue #11). */
    afterExecution(context: Pick<HubContext, 'viewer' | 'accessRecord'>, payload: SubscribePayload, result: ExecutionResult): Promise<ExecutionResult | void>;
    /** When a subscription ends: its audit row. */
    afterOperation(context: Pick<HubContext, 'viewer' | 'accessRecord'>, payload: SubscribePayload): void;
    /**
     * The credentials of open sockets checked again: per socket, the refusal (revoked, expired) or undefined.
     * Sockets presenting the same credentials share one check; anonymous sockets and checks that could not
     * complete (database down) are left alone.
     */
    recheck(connections: readonly { credentials: Credentials }[]): Promise<(UnauthenticatedError | undefined)[]>;
    refusal(error: unknown): { code: number; reason: string };
    /** Viewers of one class see the same rows with the same masks (live updates are executed once per class). */
    visibilityClass(viewer: Viewer): string;
  };
  close(): Promise<void>;
}

/** The client's address as seen on the socket (no proxy headers are trusted). */
export function clientAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

/** The connectionParams that carry a credential. @internal */
const CREDENTIAL_PARAMS = [
  ['authorization', 'authorization'],
  ['Authorization', 'authorization'],
  ['apiKey', 'apiKey'],
  ['x-api-key', 'apiKey'],
] as const;

/**
 * Credentials from graphql-ws connectionParams (`authorization: Bearer …`, or `apiKey`). Two that present different
 * tokens (say `authorization` and `apiKey`, or `authorization` and `Authorization`) are refused with
 * AMBIGUOUS_CREDENTIALS, as two credential headers are over HTTP: the first used to win silently. @internal
 */
function credentialsOf(params: Record<string, unknown> | undefined, ip: string): Credentials {
  const found = CREDENTIAL_PARAMS.flatMap(([name, kind]) => {
    const value = param(params, name);
    return value === null ? [] : [[`connectionParams.${name}`, value, kind] as const];
  });
  return { ...oneCredential(found), unmaskReason: param(params, 'unmaskReason', 'x-unmask-reason'), ip };
}

/**
 * A socket's credentials: its connection_init parameters and its upgrade request's credential header, which must not
 * disagree (fail closed: an invalid header is checked like a parameter, never ignored). @internal
 */
function socketCredentials(params: Record<string, unknown> | undefined, request: IncomingMessage): Credentials {
  const ip = clientAddress(request);
  const header = credentialHeaders(request.rawHeaders);
  const init = credentialsOf(params, ip);
  const fromHeader = tokenOf(header);
  const fromInit = tokenOf(init);
  const unmaskHeader = request.headers['x-unmask-reason'];
  const unmaskReason = init.unmaskReason ?? (typeof unmaskHeader === 'string' ? unmaskHeader : null);
  if (fromHeader === undefined) return { ...init, unmaskReason };
  if (fromInit !== undefined && fromInit !== fromHeader) {
    throw new AmbiguousCredentialsError([header.authorization ? 'header Authorization' : 'header x-api-key', 'connectionParams']);
  }
  return fromInit !== undefined ? { ...init, unmaskReason } : { ...header, unmaskReason, ip };
}

/** A validation error without its "Did you mean …?" (field names of the schema), as Apollo hides them when introspection is off. @internal */
function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/ ?Did you mean(.+?)\?$/, '');
  if (message === error.message) return error;
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: error.extensions });
}

/** The audit row of a graphql-ws operation. @internal */
function wsAuditInput(
  viewer: Viewer,
  operationType: string,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  outcome: string,
) {
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

/**
 * A connection parameter. A credential the hub cannot read (a number, an object, an array) is refused rather than
 * ignored: ignored, it let the socket in as an anonymous demo caller (found by probing, session 6).
 */
const param = (params: Record<string, unknown> | undefined, ...names: string[]): string | null => {
  for (const name of names) {
    const value = params && Object.hasOwn(params, name) ? params[name] : undefined;
    if (typeof value === 'string') return value;
    if (value != null) throw new UnauthenticatedError(`connectionParams.${name} must be a string.`);
  }
  return null;
};

export function createAccessLayer(options: AccessLayerOptions): AccessLayer {
  const { config, log, schema } = options;
  const authenticate = createAuthenticator(options.rootEm, config, log, options.keyChangesReachUs);
  // Revocations and rotations made on any instance (issue #12).
  const keyChanges = listenForKeyChanges(options.pubSub, log, (keyId) => options.onKeyRevoked?.(keyId));
  const rateLimits = createRateLimits(config.rateLimit, options.redisUrl, log);
  const audit = new AuditService(options.rootEm, options.pubSub, config.audit, log, options.onAuditFailure, options.onAuditStatement);
  const operationTypes = new WeakMap<SubscribePayload, string>();
  // Introspection off (production): graphql-ws answered `{ __schema { types { name } } }` and "Did you mean …?" while
  // Apollo refused them over HTTP (found by probing, session 6).
  const hideSchema = options.introspection === false;
  const validationRules = hideSchema ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;
  // Parsed and validated documents by text: 10,000 subscribers of one subscription parse and validate it
  // once, not 10,000 times while their sockets connect (issue #13). Failures are not cached.
  const documents = textKeyedCache<{ document: DocumentNode; query: string }>({ max: 1000, maxBytes: 32 * 1024 * 1024, weight: () => 10 });
  const parseAndValidate = (query: string): { document: DocumentNode; query: string } | readonly GraphQLError[] => {
    const cached = documents.get(query);
    if (cached) return cached;
    let document;
    try {
      document = parse(query, { maxTokens: config.limits.maxTokens });
    } catch (error) {
      return [error as GraphQLError];
    }
    // Before validation, whose pairwise field comparison a repeated field makes quadratic (not cached: refused).
    const repeated = checkRepeatedFields(document);
    if (repeated) return [repeated];
    const invalid = validate(schema, document, validationRules);
    if (invalid.length) return hideSchema ? invalid.map(withoutSuggestions) : invalid;
    const entry = { document, query };
    documents.set(query, entry);
    return entry;
  };
  // The query limits' verdict per (text, operation, variables): the same subscription with the same
  // variables is checked once, not once per subscriber.
  const verdicts = textKeyedCache<{ error?: GraphQLError; operationType: string }>({ max: 5000, maxBytes: 16 * 1024 * 1024 });
  const checkLimits = (document: DocumentNode, payload: SubscribePayload) => {
    const key = `${payload.operationName ?? ''}\u0000${JSON.stringify(payload.variables ?? {})}\u0000${payload.query}`;
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = {
        error: checkQueryLimits(schema, config.limits, document, payload.operationName, payload.variables),
        operationType: getOperationAST(document, payload.operationName)?.operation ?? 'unknown',
      };
      verdicts.set(key, verdict);
    }
    return verdict;
  };

  return {
    authenticate,
    rateLimits,
    audit,
    apolloPlugins: [queryLimitsPlugin(config.limits), inputHygienePlugin(), auditPlugin(audit)],
    ws: {
      async authenticate(params, request) {
        const ip = clientAddress(request);
        const credentials = socketCredentials(params, request);
        const presented = credentials.authorization ?? credentials.apiKey;
        const lockout = await rateLimits.authLockout(ip, presented);
        if (!lockout.allowed) throw new RateLimitedError(lockout.retryAfterSeconds);
        try {
          return { viewer: await authenticate(credentials), credentials };
        } catch (error) {
          if (presented && error instanceof UnauthenticatedError) {
            const spent = await rateLimits.authFailed(ip, presented);
            if (!spent.allowed) throw new RateLimitedError(spent.retryAfterSeconds);
          }
          throw error;
        }
      },
      async beforeOperation({ credentials }, payload) {
        let viewer: Viewer;
        try {
          viewer = await authenticate(credentials);
        } catch (error) {
          if (error instanceof UnauthenticatedError) return [error];
          throw error;
        }
        const budget = await rateLimits.consume(viewer.role ? viewer.actor : `ip:${viewer.ip}`);
        if (!budget.allowed) return [new RateLimitedError(budget.retryAfterSeconds)];
        const parsed = parseAndValidate(payload.query);
        if (!('document' in parsed)) return parsed;
        const { document, query } = parsed;
        const verdict = checkLimits(document, payload);
        if (verdict.error) return [verdict.error];
        const unstorable = checkInputText(document, payload.variables);
        if (unstorable) return [unstorable];
        operationTypes.set(payload, verdict.operationType);
        // Fail closed (issue #11): a mutation, or a subscription an admin reads unmasked, is recorded before it runs.
        if (verdict.operationType === 'mutation' || (verdict.operationType === 'subscription' && mayUnmaskPersonal(viewer))) {
          try {
            await audit.record(wsAuditInput(viewer, verdict.operationType, payload, AUDIT_STARTED));
          } catch (error) {
            if (error instanceof AuditUnavailableError) return [error];
            throw error;
          }
        }
        return { viewer, document, query };
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
      async recheck(connections) {
        const verdicts = new Map<string, Promise<UnauthenticatedError | undefined>>();
        return Promise.all(
          connections.map(({ credentials }) => {
            if (!credentials.authorization && !credentials.apiKey) return undefined;
            // A JWT was verified when the socket connected: only its expiry can have changed (no signature check, no lookup).
            const expiresAt = jwtExpiresAt(credentials);
            if (expiresAt !== undefined) return expiresAt <= Date.now() ? new UnauthenticatedError('The token has expired.') : undefined;
            const key = `${credentials.authorization ?? ''}\u0000${credentials.apiKey ?? ''}`;
            let verdict = verdicts.get(key);
            if (!verdict) {
              verdict = authenticate(credentials).then(
                () => undefined,
                (error) => (error instanceof UnauthenticatedError ? error : undefined),
              );
              verdicts.set(key, verdict);
            }
            return verdict;
          }),
        );
      },
      visibilityClass,
      refusal(error) {
        if (error instanceof RateLimitedError) return { code: 4429, reason: `Too many requests; retry after ${error.retryAfterSeconds} s.` };
        if (error instanceof UnauthenticatedError) return { code: 4401, reason: error.message.slice(0, 120) };
        // graphql-ws's own code for a request the client must fix (CloseCode.BadRequest).
        if (error instanceof AmbiguousCredentialsError) return { code: 4400, reason: error.message.slice(0, 120) };
        log.error({ err: error }, 'websocket authentication failed unexpectedly');
        return { code: 4500, reason: 'Internal error' };
      },
    },
    async close() {
      await keyChanges.stop();
      await rateLimits.close();
      // Rows of operations still being answered are written before the database closes.
      await audit.flushed();
    },
  };
}
