import type { HubPubSub } from './pubsub.js';
import { activeSpan, SpanKind, withSpan } from './tracing.js';

/**
 * A PRODUCER span for each event published while an operation is traced
 * (issue #15): an ingest that fans out shows which topics it woke. Publishes
 * from background work (no active span) are not traced, and with tracing off
 * this is the plain publish.
 */
export function tracePublishes(pubSub: HubPubSub): void {
  const publish = pubSub.publish.bind(pubSub) as (topic: string, ...args: unknown[]) => void;
  (pubSub as { publish: typeof publish }).publish = (topic, ...args) => {
    if (!activeSpan()) return publish(topic, ...args);
    return withSpan(
      `publish ${topic.split(':')[0]}`,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'harvest-hub', 'messaging.operation.type': 'send', 'messaging.destination.name': topic } },
      () => publish(topic, ...args),
    );
  };
}
