import fs from 'node:fs';
import path from 'node:path';
import { parse, type OperationDefinitionNode } from 'graphql';
import { startTestHub, subscribe, waitFor, type TestHub } from '../support/test-hub.js';

/**
 * Every ```graphql block in README.md runs against a real hub without errors:
 * the documentation's examples are part of the contract.
 */
const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

describe('README examples', () => {
  it('has GraphQL examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(
    examples.map(
      (source, i) =>
        [
          i + 1,
          source
            .split('\n')
            .find((l) => l.trim())!
            .slice(0, 70),
          source,
        ] as const,
    ),
  )('example %i runs without errors: %s', async (_n, _title, source) => {
    const operation = parse(source).definitions[0] as OperationDefinitionNode;
    if (operation.operation === 'subscription') {
      const sub = subscribe(t.ws(), source);
      // A subscription that starts is counted as open; an invalid one answers with errors instead.
      const open = () => t.metric('hub_graphql_open_subscriptions');
      let answer: unknown;
      sub.next(15_000).then(
        (result) => (answer = result),
        () => {},
      );
      await waitFor(async () => answer !== undefined || (await open()) === 1, 15_000, 'the subscription to start or be refused');
      sub.dispose();
      expect(answer).toBeUndefined();
      await waitFor(async () => (await open()) === 0, 10_000, 'the subscription to end');
      return;
    }
    const res = await t.gql(source);
    expect(res.errors).toBeUndefined();
    expect(res.data).toBeTruthy();
  });
});
