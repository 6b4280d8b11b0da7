/**
 * A timestamptz as PostgreSQL writes it in JSON (`row_to_json`, `json_agg`: ISO 8601 in the session's time zone,
 * `2026-11-07T13:16:45.36239+00:00`) in the form graphql-js answers for the same value: pg parses the column into a
 * Date (milliseconds truncated) and the DateTimeISO scalar writes `Date#toISOString()` (`2026-11-07T13:16:45.362Z`).
 * Undefined for any other form (a year after 9999, BC, infinity): the compiled answer is then not used
 * and graphql-js answers (issue #10: the query compiler reads the column as it is rather than through `to_char`).
 */
export function isoTimeOf(text: string): string | undefined {
  // The usual case: a session in UTC (the hub's pools), a four-digit year: only the fraction changes.
  if (text.length >= 25 && text.charCodeAt(10) === T && text.endsWith('+00:00') && FOUR_DIGIT_YEAR.test(text)) {
    const end = text.length - 6;
    if (end === 19) return `${text.slice(0, 19)}.000Z`;
    if (text.charCodeAt(19) === DOT && end > 20) return `${text.slice(0, 19)}.${`${text.slice(20, end)}00`.slice(0, 3)}Z`;
    return undefined;
  }
  const match = PATTERN.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetHours, offsetMinutes = '0', offsetSeconds = '0'] = match;
  const local = new Date(
    Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), Number(`${fraction}00`.slice(0, 3))),
  );
  if (Number(year) < 100) local.setUTCFullYear(Number(year)); // Date.UTC reads years 0-99 as 1900-1999
  const offset = (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60 + Number(offsetSeconds)) * 1000;
  return new Date(local.getTime() + (sign === '-' ? offset : -offset)).toISOString();
}

const T = 'T'.charCodeAt(0);
const DOT = '.'.charCodeAt(0);
const FOUR_DIGIT_YEAR = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/;
const PATTERN = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;
