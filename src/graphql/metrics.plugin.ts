import type { ApolloServerPlugin } from '@apollo/server';
import { operationLabels, type Metrics } from '../platform/metrics.js';

/** Request count and latency by operation name (from a bounded set, see operationLabels) and type, for every entry that answers GraphQL over HTTP. */
export interface OperationMetrics {
  /** Starts a request's timer; the returned function records it once its operation is known. */
  start(): (operationName: string | null | undefined, type: string) => void;
}

/** One bounded set of operation names, shared by Apollo and the compiled fast path (src/http/compiled-reads.fast-path.ts). */
export function operationMetrics(metrics: Metrics, maxOperationNames = 100): OperationMetrics {
  const label = operationLabels(maxOperationNames);
  return {
    start() {
      const end = metrics.requestDuration.startTimer();
      return (operationName, type) => {
        const labels = { operation: label(operationName), type };
        end(labels);
        metrics.requests.inc(labels);
      };
    },
  };
}

/** Apollo plugin: request count and latency by operation name and type. */
export function metricsPlugin(operations: OperationMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const end = operations.start();
      return {
        async willSendResponse({ operationName, operation }) {
          end(operationName, operation?.operation ?? 'unknown');
        },
      };
    },
  };
}
