import 'reflect-metadata';
import { buildSchema, parse } from 'graphql';
import { checkBatchCost, checkQueryLimits, type QueryLimits } from '../../src/access/query-limits.js';

/** The limits alone, without a hub: the same checks HTTP and graphql-ws run before executing. */
const schema = buildSchema(`type Query { hello: String }`);
const limits: QueryLimits = {
  maxDepth: 12,
  maxCost: 10,
  maxAliases: 100,
  maxDirectives: 50,
  maxTokens: 5000,
  maxBatch: 10,
  maxBodyBytes: 2 * 1024 * 1024,
  maxListItems: 100,
};
const typenameFlood = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;

describe('query limits on __typename', () => {
  it('count aliases of __typename towards the alias limit', () => {
    const error = checkQueryLimits(schema, { ...limits, maxCost: 1000, maxAliases: 5 }, parse(typenameFlood(6)));
    expect(error?.extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', limit: 5 });
  });

  it('count each __typename in the cost', () => {
    expect(checkQueryLimits(schema, limits, parse(typenameFlood(10)))).toBeUndefined();
    expect(checkQueryLimits(schema, limits, parse(typenameFlood(11)))?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 10, actual: 11 });
  });
});

describe('the cost of a batch', () => {
  it('is the sum of its operations, refused past QUERY_MAX_COST with the limit named', () => {
    const six = { query: typenameFlood(6) };
    expect(checkBatchCost(schema, limits, [six])).toBeUndefined();
    const error = checkBatchCost(schema, limits, [six, six]);
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 10, actual: 12 });
    expect(error?.message).toMatch(/QUERY_MAX_COST/);
  });

  it('leaves operations that do not parse to the server (they cost nothing here)', () => {
    expect(checkBatchCost(schema, limits, [{ query: '{ broken' }, { query: typenameFlood(6) }, { documentId: 'x' } as never])).toBeUndefined();
    const hostile = [null, 1, 'x', { query: '{ hello }', variables: [1] }, { query: 'query ($a: Int) { hello }', variables: { a: 'x' } }];
    expect(checkBatchCost(schema, limits, hostile as never)).toBeUndefined();
  });
});
