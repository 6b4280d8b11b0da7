import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from '../platform/metrics.js';

/** Apollo plugin: request count and latency by operation name and type. */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const end = metrics.requestDuration.startTimer();
      return {
        async willSendResponse({ operationName, operation }) {
          const labels = { operation: operationName ?? 'anonymous', type: operation?.operation ?? 'unknown' };
          end(labels);
          metrics.requests.inc(labels);
        },
      };
    },
  };
}
