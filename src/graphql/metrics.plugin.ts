import type { ApolloServerPlugin } from '@apollo/server';
import { operationLabels, type Metrics } from '../platform/metrics.js';

/** Apollo plugin: request count and latency by operation name (from a bounded set, see operationLabels) and type. */
export function metricsPlugin(metrics: Metrics, maxOperationNames = 100): ApolloServerPlugin {
  const label = operationLabels(maxOperationNames);
  return {
    async requestDidStart() {
      const end = metrics.requestDuration.startTimer();
      return {
        async willSendResponse({ operationName, operation }) {
          const labels = { operation: label(operationName), type: operation?.operation ?? 'unknown' };
          end(labels);
          metrics.requests.inc(labels);
        },
      };
    },
  };
}
