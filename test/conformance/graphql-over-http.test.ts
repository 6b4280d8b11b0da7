import { auditServer } from 'graphql-http';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * The GraphQL over HTTP specification's own audit suite (graphql-http's
 * `auditServer`), run against the real /graphql endpoint: every MUST,
 * SHOULD and MAY audit passes.
 */
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

describe('GraphQL over HTTP conformance (graphql-http audits)', () => {
  it('passes every audit', async () => {
    const results = await auditServer({ url: `${t.url}/graphql` });
    const failures = results.filter((r) => r.status !== 'ok');
    const mustFailures = failures.filter((r) => r.name.startsWith('MUST'));
    if (failures.length) {
      console.log(
        `graphql-http audits not ok (${failures.length} of ${results.length}):\n` + failures.map((f) => `  ${f.status} ${f.name}: ${f.reason}`).join('\n'),
      );
    }
    expect(results.length).toBeGreaterThan(20);
    expect(mustFailures.map((f) => `${f.name}: ${f.reason}`)).toEqual([]);
    expect(failures.map((f) => `${f.status} ${f.name}: ${f.reason}`)).toEqual([]);
  });
});
