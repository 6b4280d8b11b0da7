import type { ApolloServerPlugin } from '@apollo/server';
import type { HubContext } from '../graphql/context.js';
import type { AuditService } from './audit.service.js';

/** Whether an operation must be recorded: every mutation, every read of classified data, every refusal, every admin read of keys or audit. */
export function mustAudit(operationType: string | undefined, context: Pick<HubContext, 'accessRecord'>, errorCodes: string[]): boolean {
  return operationType === 'mutation' || context.accessRecord.touched.size > 0 || context.accessRecord.sensitive || errorCodes.some((c) => c === 'FORBIDDEN' || c === 'UNAUTHENTICATED');
}

/** The error codes of a response, or `OK`. */
export function outcomeOf(errorCodes: string[]): string {
  return errorCodes.length ? [...new Set(errorCodes)].join(',') : 'OK';
}

/** Apollo plugin: one audit row per audited HTTP operation, written before the response leaves. */
export function auditPlugin(audit: AuditService): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation, operationName, request, errors }) {
          if (!contextValue?.accessRecord || !operation) return;
          const codes = (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          if (!mustAudit(operation.operation, contextValue, codes)) return;
          const record = contextValue.accessRecord;
          await audit.record({
            viewer: contextValue.viewer,
            transport: 'http',
            operationType: operation.operation,
            operationName: operationName ?? null,
            operationText: request.query ?? '',
            variables: request.variables ?? {},
            classifiedFields: [...record.touched].map(([field, level]) => `${field}:${level}`),
            rowsReturned: record.rowsReturned,
            personalRecords: record.personalRecords,
            outcome: outcomeOf(codes),
          });
        },
      };
    },
  };
}
