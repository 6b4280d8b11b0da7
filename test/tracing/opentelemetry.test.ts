import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';
import { createLogger } from '../../src/platform/logger.js';
import { loadConfig } from '../../src/platform/config.js';

/** A span as OTLP/HTTP JSON carries it (ids in hex, attributes as key/value pairs). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}
const attr = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && (value.stringValue ?? value.intValue ?? value.boolValue ?? value.arrayValue);
};
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;

/** The collector's side of OTLP/HTTP: POST /v1/traces with JSON bodies, kept in memory. */
function startReceiver() {
  const spans: (OtlpSpan & { service?: string })[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') {
        const payload = JSON.parse(body) as { resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of payload.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue as string | undefined;
          for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise<{ url: string; spans: typeof spans; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    );
  });
}

describe('OpenTelemetry', () => {
  it('is off unless an exporter is configured, and OTEL_SDK_DISABLED wins', () => {
    expect(loadConfig({}).integration.tracing.enabled).toBe(false);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).integration.tracing.enabled).toBe(true);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }).integration.tracing.enabled).toBe(false);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }).integration.tracing.enabled).toBe(false);
  });

  describe('with an OTLP/HTTP receiver', () => {
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let t: TestHub;
    const lines: Record<string, unknown>[] = [];
    const saved = { ...process.env };
    beforeAll(async () => {
      receiver = await startReceiver();
      // The exporter reads the standard variables from the process, as in production.
      Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'harvest-hub-under-test', OTEL_BSP_SCHEDULE_DELAY: '50' });
      const sink = new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      });
      t = await startTestHub({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, DELAY_SCAN_INTERVAL_S: '0' }, { log: createLogger('trace', sink) });
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
      process.env = saved;
    });

    it("exports a span per operation under the caller's traceparent, with its SQL statements as children, and puts the trace id in the logs", async () => {
      const traceId = randomBytes(16).toString('hex');
      const callerSpan = randomBytes(8).toString('hex');
      const res = await t.post(
        {
          query: 'query TracedCounties { regions(level: COUNTY, under: "1408", first: 3) { totalCount nodes { code name } } }',
          operationName: 'TracedCounties',
        },
        { traceparent: `00-${traceId}-${callerSpan}-01` },
      );
      expect(((await res.json()) as any).data.regions.totalCount).toBe(13);
      await waitFor(
        () => receiver.spans.some((s) => s.traceId === traceId && s.kind === SERVER) && receiver.spans.some((s) => s.traceId === traceId && s.kind === CLIENT),
        15_000,
        "the operation's spans at the receiver",
      );
      const server = receiver.spans.find((s) => s.traceId === traceId && s.kind === SERVER)!;
      expect(server).toMatchObject({ name: 'query TracedCounties', parentSpanId: callerSpan, service: 'harvest-hub-under-test' });
      expect(attr(server, 'graphql.operation.name')).toBe('TracedCounties');
      expect(attr(server, 'http.response.status_code')).toBe(200);
      const statements = receiver.spans.filter((s) => s.traceId === traceId && s.kind === CLIENT);
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) {
        expect(s.parentSpanId).toBe(server.spanId);
        expect(attr(s, 'db.system.name')).toBe('postgresql');
        // Statements carry placeholders, never the values.
        expect(String(attr(s, 'db.query.text'))).not.toContain('1408');
      }
      // The SQL the operation ran was logged (LOG_LEVEL trace) with the same trace id.
      expect(lines.some((l) => l.trace_id === traceId && typeof l.span_id === 'string')).toBe(true);
    });

    it('exports the compiled read statement (one statement building the response, outside the ORM) as a child span like the others', async () => {
      const traceId = randomBytes(16).toString('hex');
      const res = await t.post(
        {
          query: 'query CompiledPrices { prices(filter: { product: "apple", originUnder: "14" }, first: 5) { nodes { observedOn avgPrice market { code } } } }',
        },
        { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      );
      expect(((await res.json()) as any).errors).toBeUndefined();
      const compiled = (s: OtlpSpan) => s.traceId === traceId && s.kind === CLIENT && /json/i.test(String(attr(s, 'db.query.text')));
      await waitFor(() => receiver.spans.some(compiled), 15_000, 'the compiled statement span at the receiver');
      const server = receiver.spans.find((s) => s.traceId === traceId && s.kind === SERVER)!;
      const span = receiver.spans.find(compiled)!;
      expect(span).toMatchObject({ name: 'SELECT', parentSpanId: server.spanId });
      expect(attr(span, 'db.system.name')).toBe('postgresql');
      expect(attr(span, 'db.operation.name')).toBe('SELECT');
      expect(attr(span, 'db.response.returned_rows')).toBeDefined();
      // Placeholders, never the values.
      expect(String(attr(span, 'db.query.text'))).not.toContain('apple');
    });

    it('traces an ingest batch and what it publishes, and graphql-ws operations with a traceparent in their extensions', async () => {
      const traceId = randomBytes(16).toString('hex');
      const callerSpan = randomBytes(8).toString('hex');
      const stored = await t.post(
        {
          query: `mutation TracedPrice { recordPriceObservations(input: { connector: "trace-test", observations: [{
        sourceKey: "tr-1", rawName: "红富士", product: "apple", market: "beijing-xinfadi", observedOn: "2026-07-20", avgPrice: 5.5, unit: "斤" }] }) { stored } }`,
        },
        { traceparent: `00-${traceId}-${callerSpan}-01` },
      );
      expect(((await stored.json()) as any).data.recordPriceObservations.stored).toBe(1);
      const has = (match: (s: OtlpSpan) => boolean) => receiver.spans.some((s) => s.traceId === traceId && match(s));
      await waitFor(
        () => has((s) => s.kind === SERVER) && has((s) => s.name === 'ingest batch') && has((s) => s.kind === PRODUCER),
        15_000,
        'the request, batch and publish spans',
      );
      const server = receiver.spans.find((s) => s.traceId === traceId && s.kind === SERVER)!;
      const batch = receiver.spans.find((s) => s.traceId === traceId && s.name === 'ingest batch')!;
      expect(server.name).toBe('mutation TracedPrice');
      expect(batch.parentSpanId).toBe(server.spanId);
      expect(attr(batch, 'ingest.stored')).toBe(1);
      const publish = receiver.spans.find((s) => s.traceId === traceId && s.kind === PRODUCER)!;
      expect(publish.name).toMatch(/^publish /);

      const wsTrace = randomBytes(16).toString('hex');
      const wsCaller = randomBytes(8).toString('hex');
      const answer = subscribe(t.ws(), 'query OverTheSocket { viewer { role } }', undefined, { extensions: { traceparent: `00-${wsTrace}-${wsCaller}-01` } });
      expect((await answer.next()).data).toEqual({ viewer: { role: 'ADMIN' } });
      await waitFor(() => receiver.spans.some((s) => s.traceId === wsTrace && s.kind === SERVER), 15_000, 'the graphql-ws operation span');
      expect(receiver.spans.find((s) => s.traceId === wsTrace && s.kind === SERVER)).toMatchObject({ name: 'query OverTheSocket', parentSpanId: wsCaller });
    });
  });
});
