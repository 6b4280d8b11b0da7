import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { startTestHub, type TestHub } from '../support/test-hub.js';
import { announceSkip } from '../support/skip.js';

/**
 * Spreadsheet uploads (issue #15): `importSpreadsheet(file: Upload)` as a GraphQL
 * multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * from an official's browser, with Apollo's CSRF preflight rule and a size limit.
 */
const REAL_FILE =
  process.env.XINFADI_FILE ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../shared/data/xinfadi-fruit-prices-2013-2016.csv');
const present = fs.existsSync(REAL_FILE);
if (!present)
  announceSkip(`skipping "uploads the real Xinfadi price list": ${REAL_FILE} is absent (it lives in ../shared/data; XINFADI_FILE points elsewhere)`);
const itWithRealFile = present ? it : it.skip;
const LIMIT = 8 * 1024 * 1024;

const IMPORT = `mutation ($file: Upload!) {
  importSpreadsheet(file: $file) {
    status error fileName bytes
    counts { read stored duplicates rejected unmatched }
    rejections { position field reason }
    unmatchedNames { name rows }
    connector { name }
  }
}`;

let t: TestHub;
let official: string;
let courier: string;
beforeAll(async () => {
  t = await startTestHub({ CONNECTOR_SCHEDULER: 'false', UPLOAD_MAX_BYTES: String(LIMIT) });
  official = await t.createKey({ role: 'OFFICIAL' });
  courier = await t.createKey({ role: 'COURIER', courier: 'zhongtong' });
});
afterAll(() => t?.close());

/** A multipart request as browsers' GraphQL clients send it: `operations`, `map`, then the file. */
function multipart(file: Blob, fileName: string): FormData {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: IMPORT, variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, fileName);
  return form;
}

async function upload(key: string | null, file: Blob, fileName: string, headers: Record<string, string> = { 'apollo-require-preflight': 'true' }) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: multipart(file, fileName),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: any }[] } };
}

async function officialsSheet(): Promise<Blob> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('价格');
  sheet.addRow(['品名', '品种', '产地', '规格', '单位', '最低价', '平均价', '最高价', '日期']);
  sheet.addRow(['苹果', '红富士', '晋中太谷', '一级', '公斤', 5, 6, 7, new Date(Date.UTC(2024, 10, 5))]);
  sheet.addRow(['苹果', '红富士', '晋中太谷', '一级', '公斤', 5, 6, 7, new Date(Date.UTC(2024, 10, 5))]);
  sheet.addRow(['小米', '', '临猗县', '', '吨', 5000, 'n/a', 5400, '2024-11-05']);
  sheet.addRow(['沙蜜托', '', '', '', '斤', 1, 1.2, 1.5, '2024-11-05']);
  return new Blob([Buffer.from(await workbook.xlsx.writeBuffer())], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
}

describe('spreadsheet uploads (GraphQL multipart requests)', () => {
  it('an official uploads an XLSX sheet: stored, a repeated row, a refused row with its reason and an unmatched name come back', async () => {
    const { status, body } = await upload(official, await officialsSheet(), '十一月价格.xlsx');
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data.importSpreadsheet).toMatchObject({
      status: 'OK',
      fileName: '十一月价格.xlsx',
      connector: { name: 'spreadsheet-upload' },
      counts: { read: 4, stored: 2, duplicates: 1, rejected: 1, unmatched: 1 },
      unmatchedNames: [{ name: '沙蜜托', rows: 1 }],
    });
    expect(body.data.importSpreadsheet.bytes).toBeGreaterThan(1000);
    expect(body.data.importSpreadsheet.rejections).toEqual([
      expect.objectContaining({ position: '十一月价格.xlsx:价格!4', field: '平均价', reason: expect.any(String) }),
    ]);
    // The same rows the path-based import stores; the uploaded file itself is gone from the hub's disk.
    const rows = await t.sql(
      `select raw_name, avg_per_kg::float from price_observation where source_connector = 'spreadsheet-upload' and observed_on = '2024-11-05' order by raw_name`,
    );
    expect(rows).toEqual([
      { raw_name: '沙蜜托', avg_per_kg: 2.4 },
      { raw_name: '苹果', avg_per_kg: 6 },
    ]);
    const [kept] = await t.sql(`select position, reason from rejected_record where connector = 'spreadsheet-upload'`);
    expect(kept.position).toBe('十一月价格.xlsx:价格!4');
  });

  // Conditional on the shared data being there (CI has it), as in xinfadi-real-file.test.ts.
  itWithRealFile(
    'uploads the real Xinfadi price list: every row is stored, a repeat, or refused with a reason',
    async () => {
      const bytes = fs.readFileSync(REAL_FILE);
      const { body } = await upload(official, new Blob([bytes], { type: 'text/csv' }), path.basename(REAL_FILE));
      expect(body.errors).toBeUndefined();
      const result = body.data.importSpreadsheet;
      expect(result).toMatchObject({ status: 'OK', bytes: bytes.length, fileName: 'xinfadi-fruit-prices-2013-2016.csv' });
      const { read, stored, duplicates, rejected, unmatched } = result.counts;
      expect(read).toBe(79_621);
      expect(stored + duplicates + rejected).toBe(read);
      expect(result.rejections.length).toBe(Math.min(rejected, 200));
      for (const r of result.rejections)
        expect(r).toMatchObject({ position: expect.stringMatching(/^xinfadi-fruit-prices-2013-2016\.csv:\d+$/), reason: expect.stringMatching(/\S/) });
      expect(result.unmatchedNames.reduce((sum: number, n: { rows: number }) => sum + n.rows, 0)).toBe(unmatched);
      const [{ n }] = await t.sql(
        `select count(*)::int as n from price_observation where source_connector = 'spreadsheet-upload' and observed_on < '2017-01-01'`,
      );
      expect(n).toBe(stored);
    },
    240_000,
  );

  it('refuses a multipart request without a preflight header (CSRF), before reading it', async () => {
    const { status, body } = await upload(official, new Blob(['品名,平均价\n苹果,3\n']), 'a.csv', {});
    expect(status).toBe(400);
    expect(body.errors![0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringContaining('Cross-Site Request Forgery') });
    // `x-apollo-operation-name` is the other header Apollo accepts.
    const other = await upload(official, new Blob(['品名,平均价,单位,日期\n苹果,3,斤,2024-11-06\n']), 'b.csv', { 'x-apollo-operation-name': 'ImportSheet' });
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data.importSpreadsheet.counts.read).toBe(1);
  });

  it('refuses a file over UPLOAD_MAX_BYTES with 413, naming the limit, and stores nothing of it', async () => {
    const line = '苹果,3,2024-11-07\n';
    const big = '品名,平均价,日期\n' + line.repeat(Math.ceil(LIMIT / Buffer.byteLength(line)) + 10);
    const { status, body } = await upload(official, new Blob([big]), 'big.csv');
    expect(status).toBe(413);
    expect(body.errors![0]).toMatchObject({ extensions: { code: 'PAYLOAD_TOO_LARGE', limit: LIMIT }, message: expect.stringContaining('8 MiB') });
    const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where observed_on = '2024-11-07'`);
    expect(n).toBe(0);
  });

  it('refuses a request that declares a body far over the limit at once, without reading it', async () => {
    // Only the headers and the first bytes are sent: the answer must come from the declared length alone.
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request(
        `${t.url}/graphql`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${official}`,
            'apollo-require-preflight': 'true',
            'content-type': 'multipart/form-data; boundary=x',
            'content-length': String(LIMIT * 4),
          },
        },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (chunk) => (text += chunk))
            .on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write('--x\r\n');
    });
    expect(answer.status).toBe(413);
    expect(answer.body.errors[0]).toMatchObject({
      extensions: { code: 'PAYLOAD_TOO_LARGE', limit: LIMIT },
      message: expect.stringContaining('8 MiB (UPLOAD_MAX_BYTES)'),
    });
  });

  it('refuses uploads from a courier (403) and from anonymous callers (401); path imports stay ADMIN-only', async () => {
    const sheet = new Blob(['品名,平均价,日期\n苹果,3,2024-11-08\n']);
    const asCourier = await upload(courier, sheet, 'c.csv');
    expect(asCourier.status).toBe(403);
    expect(asCourier.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const anonymous = await upload(null, sheet, 'd.csv');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    // The resolver's own rule says the same to a JSON request (no file at all).
    const byPath = await t.as(official).gql(`mutation { importSpreadsheet(path: "/etc/passwd") { status } }`);
    expect(byPath.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const courierByPath = await t.as(courier).gql(`mutation { importSpreadsheet(path: "/tmp/x.csv") { status } }`);
    expect(courierByPath.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const [{ n }] = await t.sql(`select count(*)::int as n from price_observation where observed_on = '2024-11-08'`);
    expect(n).toBe(0);
  });

  it('refuses an over-limit file that is not a spreadsheet and goes on serving (the cut upload fails while nothing reads it)', async () => {
    // The name is refused at once; graphql-upload then cuts the rest at UPLOAD_MAX_BYTES and fails the file's stream,
    // which nothing pipes any more: without a listener that 'error' ended the hub's process.
    const { status, body } = await upload(official, new Blob([Buffer.alloc(LIMIT + 1024 * 1024, 0x41)]), 'tool.exe');
    expect(status).toBeLessThan(500);
    expect(['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE']).toContain(body.errors![0].extensions.code);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await t.gql<{ __typename: string }>('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('refuses a file that is not a spreadsheet, naming what it expects', async () => {
    const { body } = await upload(official, new Blob(['MZ\x90\x00']), 'tool.exe');
    expect(body.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('.csv, .xlsx or .json') });
  });
});
