import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Sampler, TracerProvider } from '@opentelemetry/sdk-trace';

export { SpanKind };

/**
 * OpenTelemetry tracing (issue #15), off by default. Nothing of the SDK is
 * created until `startTracing` runs, and while it has not, `withSpan` calls the
 * function straight away and the log mixin returns nothing: no cost when off.
 *
 * Spans are made only where they matter (a span per GraphQL operation, SQL
 * statements, ingest batches, pub/sub publishes); the exporter is OTLP over
 * HTTP (JSON), configured by the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG),
 * OTEL_BSP_SCHEDULE_DELAY...). Incoming W3C `traceparent` headers are honoured.
 */
let tracer: Tracer | undefined;
let provider: TracerProvider | undefined;
let contextManager: AsyncLocalStorageContextManager | undefined;

/** Whether spans are being recorded. */
export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

/** The sampler the standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG name (default: parentbased_always_on). */
export async function samplerFromEnv(env: Record<string, string | undefined> = process.env): Promise<Sampler> {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = await import('@opentelemetry/sdk-trace');
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  const root = Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1;
  switch ((env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').toLowerCase()) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(root);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(root) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

const envNumber = (name: string): number | undefined => {
  const value = Number(process.env[name]);
  return process.env[name] && Number.isFinite(value) && value >= 0 ? value : undefined;
};

/**
 * Starts the SDK: context manager, W3C propagation, the exporter from OTEL_* variables. Returns
 * its shutdown (which flushes). The SDK's modules are loaded here, so a hub without tracing never loads them.
 */
export async function startTracing(options: { exporter: 'otlp' | 'console'; serviceVersion?: string }): Promise<{ shutdown(): Promise<void> }> {
  if (provider) throw new Error('tracing is already started in this process');
  const [{ AsyncLocalStorageContextManager }, core, { OTLPTraceExporter }, resources, sdk, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const { detectResources, envDetector, resourceFromAttributes } = resources;
  const { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider } = sdk;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }));
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'harvest-hub', 'service.version': options.serviceVersion ?? 'unknown' }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const exporter = options.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  provider = new TracerProvider({
    resource,
    sampler: await samplerFromEnv(),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: envNumber('OTEL_BSP_SCHEDULE_DELAY'),
        exportTimeoutMillis: envNumber('OTEL_BSP_EXPORT_TIMEOUT'),
        maxQueueSize: envNumber('OTEL_BSP_MAX_QUEUE_SIZE'),
        maxExportBatchSize: envNumber('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  tracer = provider.getTracer('harvest-hub', options.serviceVersion);
  return {
    async shutdown() {
      const stopping = provider;
      tracer = undefined;
      provider = undefined;
      await stopping?.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      contextManager?.disable();
      contextManager = undefined;
    },
  };
}

/** The context a W3C `traceparent` (and `tracestate`, `baggage`) in `carrier` names; the root context without one. */
export function extractContext(carrier: Record<string, unknown> | undefined): Context {
  if (!tracer || !carrier) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier, {
    keys: (c) => Object.keys(c),
    get: (c, key) => {
      const value = (c as Record<string, unknown>)[key] ?? (c as Record<string, unknown>)[key.toLowerCase()];
      return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
    },
  });
}

/**
 * Runs `fn` inside a new span (a child of the active one, or of `parent`),
 * ending it when `fn` settles and marking it failed when it throws. With
 * tracing off this is a plain call.
 */
export function withSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context }, fn: (span?: Span) => T): T {
  if (!tracer) return fn();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, options.parent ?? context.active());
  const ended = (error?: unknown) => {
    if (error !== undefined) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    }
    span.end();
  };
  return context.with(trace.setSpan(options.parent ?? context.active(), span), () => {
    try {
      const result = fn(span);
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        return (result as unknown as Promise<unknown>).then(
          (value) => {
            ended();
            return value;
          },
          (error) => {
            ended(error);
            throw error;
          },
        ) as T;
      }
      ended();
      return result;
    } catch (error) {
      ended(error);
      throw error;
    }
  });
}

/** A span for something that already happened (a SQL statement reported after it ran), child of the active span. */
export function recordSpan(name: string, startedAt: number, endedAt: number, attributes: Attributes, failed = false): void {
  if (!tracer || !trace.getActiveSpan()) return; // statements outside any traced operation (background work) are not traced
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes, startTime: startedAt }, context.active());
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(endedAt);
}

/** The active span, if tracing is on. */
export function activeSpan(): Span | undefined {
  return tracer ? trace.getActiveSpan() : undefined;
}

/** Trace and span ids of the active span, for the JSON logs (pino mixin). */
export function traceFields(): Record<string, string> {
  if (!tracer) return {};
  const span = trace.getActiveSpan()?.spanContext();
  return span ? { trace_id: span.traceId, span_id: span.spanId, trace_flags: `0${span.traceFlags.toString(16)}` } : {};
}
