import type { ApolloServerPlugin } from '@apollo/server';
import type { HubContext } from '../graphql/context.js';
import type { AuditInput, AuditService } from './audit.service.js';
import { AuditUnavailableError } from '../policy/access.errors.js';

/** Whether an operation must be recorded: every mutation, every read of classified data, every refusal, every admin read of keys or audit. */
export function mustAudit(operationType: string | undefined, context: Pick<HubContext, 'accessRecord'>, errorCodes: string[]): boolean {
  return (
    operationType === 'mutation' ||
    context.accessRecord.touched.size > 0 ||
    context.accessRecord.sensitive ||
    errorCodes.some((c) => c === 'FORBIDDEN' || c === 'UNAUTHENTICATED')
  );
}

/** The error codes of a response, or `OK`. */
export function outcomeOf(errorCodes: string[]): string {
  return errorCodes.length ? [...new Set(errorCodes)].join(',') : 'OK';
}

/** Outcome of the row a mutation gets before it runs (issue #11); a second row gives its real outcome. */
export const AUDIT_STARTED = 'STARTED';

/** What the access record of a finished operation adds to its audit row. @internal */
export function accessFields(context: Pick<HubContext, 'accessRecord'>): Pick<AuditInput, 'classifiedFields' | 'rowsReturned' | 'personalRecords'> {
  const record = context.accessRecord;
  return {
    classifiedFields: [...record.touched].map(([field, level]) => `${field}:${level}`),
    rowsReturned: record.rowsReturned,
    personalRecords: record.personalRecords,
  };
}

/**
 * Apollo plugin: the audit trail of HTTP operations, failing closed (issue #11).
 * - A mutation is recorded before it runs (outcome `STARTED`); if that row
 *   cannot be written the mutation does not run (503 AUDIT_UNAVAILABLE).
 * - After execution, before the response leaves, the operation's row with its
 *   outcome; if that fails for a read that returned classified data, the data
 *   is withheld (503 AUDIT_UNAVAILABLE) rather than sent unrecorded.
 */
export function auditPlugin(audit: AuditService): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, operationName, request }) {
          if (operation?.operation !== 'mutation' || !contextValue?.accessRecord) return;
          await audit.record({
            viewer: contextValue.viewer,
            transport: 'http',
            operationType: 'mutation',
            operationName: operationName ?? null,
            operationText: request.query ?? '',
            variables: request.variables ?? {},
            outcome: AUDIT_STARTED,
          });
        },
        async willSendResponse({ contextValue, operation, operationName, request, errors, response }) {
          if (!contextValue?.accessRecord || !operation) return;
          const codes = (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          if (!mustAudit(operation.operation, contextValue, codes)) return;
          const input: AuditInput = {
            viewer: contextValue.viewer,
            transport: 'http',
            operationType: operation.operation,
            operationName: operationName ?? null,
            operationText: request.query ?? '',
            variables: request.variables ?? {},
            ...accessFields(contextValue),
            outcome: outcomeOf(codes),
          };
          // A mutation already has its STARTED row (or did not run); a refusal carries no data.
          const carriesData = operation.operation !== 'mutation' && response.body.kind === 'single' && response.body.singleResult.data != null;
          if (!carriesData) return audit.recordQuietly(input);
          try {
            await audit.record(input);
          } catch (error) {
            if (!(error instanceof AuditUnavailableError) || response.body.kind !== 'single') throw error;
            response.body.singleResult = { errors: [{ message: error.message, extensions: { code: error.extensions.code, retryable: true } }] };
            response.http.status = 503;
          }
        },
      };
    },
  };
}
