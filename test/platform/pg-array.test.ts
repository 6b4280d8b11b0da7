import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { pgArray } from '../../src/platform/sql.js';

/** node-postgres' own formatting of a parameter (pg/lib/utils.js), which pgArray must reproduce for arrays. */
const prepareValue = createRequire(import.meta.url)('pg/lib/utils.js').prepareValue as (value: unknown) => unknown;

describe('pgArray', () => {
  it('writes what node-postgres writes for an array parameter', () => {
    const samples: unknown[][] = [
      [],
      ['a', 'b'],
      ['with "quotes"', 'back\\slash', 'both \\"', '', ' ', 'NULL', 'null', '{}', ',', '扫描 0'],
      [null, undefined, 'x'],
      [1, 2.5, -3, 0],
      [true, false, null],
    ];
    for (const values of samples) expect(pgArray(values as never)).toBe(prepareValue(values));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constant(null), fc.integer(), fc.double({ noNaN: true }), fc.boolean())), (values) =>
        expect(pgArray(values)).toBe(prepareValue(values)),
      ),
      { numRuns: 5_000 },
    );
  });

  it('round-trips through PostgreSQL', async () => {
    const client = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
    await client.connect();
    try {
      const values = ['a', 'with "quotes"', 'back\\slash', null, '', '扫描 {0}, "x"', 'NULL'];
      const { rows } = await client.query<{ a: (string | null)[] }>('select $1::varchar[] as a', [pgArray(values)]);
      expect(rows[0].a).toEqual(values);
    } finally {
      await client.end();
    }
  });
});
