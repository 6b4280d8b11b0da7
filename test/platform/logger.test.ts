import { Writable } from 'node:stream';
import { createLogger } from '../../src/platform/logger.js';

/** Lines the hub's logger writes, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
  return { log, lines };
}

describe('the log line of an error', () => {
  it('keeps a message logged as text as the text (call sites log `err: error.message`)', () => {
    const { log, lines } = capture();
    log.warn({ err: 'connection refused' }, 'periodic job failed');
    expect(lines[0].err).toBe('connection refused');
  });

  it('serialises an Error with its type and message, and leaves out what PostgreSQL quotes of the row', () => {
    const { log, lines } = capture();
    const error = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (phone)=(13700001111) already exists.',
      where: 'SQL statement "insert into shipment ..."',
      internalQuery: 'insert into shipment (recipient_phone) values ($1)',
    });
    log.error({ err: error }, 'insert failed');
    const err = lines[0].err as Record<string, unknown>;
    expect(err.type).toBe('Error');
    expect(err.message).toBe('duplicate key value violates unique constraint');
    expect(err.code).toBe('23505');
    expect(JSON.stringify(lines[0])).not.toContain('13700001111');
    expect(err).not.toHaveProperty('where');
    expect(err).not.toHaveProperty('internalQuery');
  });
});
