import { sqlList } from '../../src/platform/sql.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t.close());

describe('sqlList for `in (?)`', () => {
  const run = (values: unknown[]) =>
    t.hub.db.orm.em
      .fork()
      .getConnection()
      .execute<{ code: string }[]>('select code from region where code in (?) order by code', [sqlList(values)]);

  it('matches the listed values', async () => {
    expect((await run(['140121', '14'])).map((r) => r.code)).toEqual(['14', '140121']);
  });

  // Regression: MikroORM renders an empty array as nothing, so `in ()` was a syntax error.
  it('matches nothing, without a syntax error, for an empty list', async () => {
    expect(await run([])).toEqual([]);
  });
});
