import 'reflect-metadata';
import { buildSchema, parse } from 'graphql';
import { checkQueryLimits, type QueryLimits } from '../../src/access/query-limits.js';

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
