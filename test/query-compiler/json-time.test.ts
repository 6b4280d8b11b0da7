import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { isoTimeOf } from '../../src/query-compiler/json-time.js';

/**
 * Issue #10: the query compiler reads timestamptz columns as PostgreSQL writes them in JSON and isoTimeOf writes
 * them as graphql-js does (pg parses the column into a Date, the DateTimeISO scalar writes toISOString): checked
 * against real PostgreSQL in several session time zones (offsets with minutes and seconds, daylight saving).
 */
describe('isoTimeOf', () => {
  const ZONES = ['UTC', 'Asia/Shanghai', 'America/St_Johns', 'Asia/Kolkata', 'Europe/Amsterdam', 'Pacific/Chatham'];

  it('is what graphql-js answers for the same column, in any session time zone, or undefined (graphql-js answers then)', async () => {
    const client = new pg.Client({ connectionString: process.env.TEST_ADMIN_URL });
    await client.connect();
    try {
      for (const zone of ZONES) {
        await client.query(`set time zone '${zone}'`);
        // Microsecond times from year 1001 to 9998 (random and chosen), years 1, 50, 999 and the ends of 1000 and 9999 (in UTC).
        const micros = fc.sample(fc.bigInt({ min: -30578688000000000n, max: 253370764800000000n }), 3_000).map(String);
        micros.push('0', '1', '999', '1000', '999999', '1000000', '-1', '1764460800000000', '1764460800100000');
        if (zone === 'UTC') micros.push('-30610224000000000', '253402300799999999');
        const { rows } = await client.query<{ t: Date; json: string }>(
          `select t, row_to_json(row(t))->>'f1' as json from (select timestamptz 'epoch' + (m / 1000000) * interval '1 second' + (m % 1000000) * interval '1 microsecond' as t from unnest($1::int8[]) m
                  union all select unnest(array[timestamptz '0999-06-01 12:00Z', '0050-06-01 00:00Z', '0001-06-01 00:00Z'])) x`,
          [micros],
        );
        for (const { t, json } of rows) expect([json, isoTimeOf(json)]).toEqual([json, t.toISOString()]);
        const { rows: others } = await client.query<{ json: string }>(
          `select row_to_json(row(t))->>'f1' as json from unnest(array[timestamptz '10000-06-01 00:00Z', '0044-03-15 12:00Z BC', 'infinity', '-infinity']) t`,
        );
        for (const { json } of others) expect([json, isoTimeOf(json)]).toEqual([json, undefined]);
      }
    } finally {
      await client.end();
    }
  });

  it('reads the fraction as pg does: milliseconds truncated, none written as .000', () => {
    expect(isoTimeOf('2026-11-07T13:16:45+00:00')).toBe('2026-11-07T13:16:45.000Z');
    expect(isoTimeOf('2026-11-07T13:16:45.1+00:00')).toBe('2026-11-07T13:16:45.100Z');
    expect(isoTimeOf('2026-11-07T13:16:45.36239+00:00')).toBe('2026-11-07T13:16:45.362Z');
    expect(isoTimeOf('2026-11-07T13:16:45.999999+00:00')).toBe('2026-11-07T13:16:45.999Z');
    expect(isoTimeOf('2026-11-08T05:16:45.5+08:00')).toBe('2026-11-07T21:16:45.500Z');
    expect(isoTimeOf('1900-01-01T05:53:28+05:53:28')).toBe('1900-01-01T00:00:00.000Z');
    expect(isoTimeOf('0050-06-01T08:00:00+08:00')).toBe('0050-06-01T00:00:00.000Z');
    for (const text of ['', 'infinity', '2026-11-07', '2026-11-07T13:16:45.+00:00', '2026-11-07 13:16:45+00', '2026-11-07T13:16:45+00:00 BC']) {
      expect(isoTimeOf(text)).toBeUndefined();
    }
  });
});
