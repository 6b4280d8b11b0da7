import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { loadConnectors } from '../../src/ingest/connectors/connector-registry.js';
import { startTestHub, type TestHub } from '../support/test-hub.js';

/**
 * Price lists in the layouts real markets publish (test/matching/README.md lists the sources), each as a file
 * through the wholesale-prices connector into PostgreSQL: the columns are placed once per file from the header
 * (connectors/wholesale-prices/columns.ts), and a header the hub cannot place refuses the file whole, with one
 * error naming the headers and the `columns` setting that fixes it. Before, every list but the three known shapes
 * was refused row by row as "unknown row shape".
 */

let t: TestHub;
let dir: string;
beforeAll(async () => {
  t = await startTestHub({
    CONNECTOR_SCHEDULER: 'false',
    CONNECTORS: JSON.stringify([
      // Guangzhou Jiangnan's boards: `date,name,place,price`, no unit anywhere (the market quotes per 斤).
      { name: 'jiangnan-board', module: 'wholesale-prices', config: { market: 'guangzhou-jiangnan', unit: '斤' } },
      {
        name: 'taiyuan-boards',
        module: 'wholesale-prices',
        config: { market: 'taiyuan-hexi', marketCodes: { 太原河西市场: 'taiyuan-hexi', 晋城绿欣: 'jincheng-lvxin' } },
      },
      // A list whose headers no table knows, read by an explicit mapping.
      {
        name: 'mapped-list',
        module: 'wholesale-prices',
        config: { market: 'taiyuan-hexi', columns: { name: '菜品', avg: '今日报价(元/公斤)', date: '行情日期', origin: '地区' } },
      },
    ]),
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-layouts-'));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const RUN = `mutation ($name: String!, $file: String) {
  runConnector(name: $name, file: $file) { status error counts { read stored duplicates rejected unmatched } }
}`;

const write = (name: string, content: string | Buffer) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};

/** GBK bytes of `text`, by inverting Node's own GB18030 decoder over the two-byte GBK range (no encoder library). */
function gbk(text: string): Buffer {
  const table = new Map<string, number[]>();
  const decoder = new TextDecoder('gb18030');
  for (let lead = 0x81; lead <= 0xfe; lead++)
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      const ch = decoder.decode(Uint8Array.from([lead, trail]));
      if (ch.length === 1 && !table.has(ch)) table.set(ch, [lead, trail]);
    }
  const bytes: number[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) bytes.push(ch.charCodeAt(0));
    else if (table.has(ch)) bytes.push(...table.get(ch)!);
    else throw new Error(`no GBK code for ${ch}`);
  }
  return Buffer.from(bytes);
}

async function run(name: string, file: string) {
  const res = await t.gql(RUN, { name, file });
  expect(res.errors).toBeUndefined();
  return res.data.runConnector;
}

/** The stored rows of one list, by the source key's day prefix and connector. */
async function stored(connector: string, day: string) {
  return t.sql(
    `select o.raw_name, p.code as product, o.origin_text, o.spec, o.low_price::float as low, o.avg_price::float as avg, o.high_price::float as high,
            o.unit, o.avg_per_kg::float as per_kg, o.observed_on::text as day, m.code as market
       from price_observation o join market m on m.id = o.market_id left join product p on p.id = o.product_id
      where o.source_connector = $1 and o.observed_on = $2 order by o.raw_name, o.avg_price`,
    [connector, day],
  );
}

describe('price lists in real layouts, through the connector into PostgreSQL', () => {
  it('reads a GBK CSV headed 品种,产地,规格,单位,最低价(元),最高价(元),平均价(元),日期 (品种 is the name when no name column exists)', async () => {
    const file = write(
      'gbk-list.csv',
      gbk(
        '品种,产地,规格,单位,最低价(元),最高价(元),平均价(元),日期\r\n' +
          '大白菜,河北,普通,斤,0.60,0.90,0.75,2024-03-05\r\n' +
          '土豆,内蒙古,普通,斤,1.10,1.40,1.25,2024-03-05\r\n' +
          '西红柿,山东,一级,斤,2.50,3.50,3.00,2024-03-05\r\n' +
          '黄瓜,辽宁,普通,斤,2.00,2.80,2.40,2024-03-05\r\n' +
          '苹果,山西,80#,公斤,6.00,8.00,7.00,2024-03-05\r\n' +
          '鸭梨,河北,普通,斤,1.50,2.10,1.80,2024-03-05\r\n',
      ),
    );
    expect(await run('wholesale-prices', file)).toMatchObject({ status: 'OK', counts: { read: 6, stored: 6, rejected: 0 } });
    const rows = await stored('wholesale-prices', '2024-03-05');
    expect(rows).toHaveLength(6);
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          raw_name: '西红柿',
          product: 'tomato',
          origin_text: '山东',
          spec: '一级',
          low: 2.5,
          avg: 3,
          high: 3.5,
          unit: '斤',
          per_kg: 6,
          day: '2024-03-05',
          market: 'beijing-xinfadi',
        },
        {
          raw_name: '苹果',
          product: 'apple',
          origin_text: '山西',
          spec: '80#',
          low: 6,
          avg: 7,
          high: 8,
          unit: '公斤',
          per_kg: 7,
          day: '2024-03-05',
          market: 'beijing-xinfadi',
        },
        expect.objectContaining({ raw_name: '土豆', product: 'potato', avg: 1.25 }),
      ]),
    );
  });

  it('reads Guangzhou Jiangnan boards (date,name,place,price: one price = the average, UTF-8 with BOM, 2018/12/3 dates, the unit from the config)', async () => {
    const file = write('jiangnan.csv', '\uFEFFdate,name,place,price\n2018/12/3,菜心,广东,3.2\n2018/12/3,芥兰,广东,2.8\n2018/12/3,绍菜,山东,1.1\n');
    expect(await run('jiangnan-board', file)).toMatchObject({ status: 'OK', counts: { read: 3, stored: 3, rejected: 0 } });
    const rows = await stored('jiangnan-board', '2018-12-03');
    expect(rows).toEqual([
      expect.objectContaining({
        raw_name: '绍菜',
        origin_text: '山东',
        low: null,
        avg: 1.1,
        high: null,
        unit: '斤',
        per_kg: 2.2,
        market: 'guangzhou-jiangnan',
      }),
      expect.objectContaining({ raw_name: '芥兰', avg: 2.8, unit: '斤' }),
      expect.objectContaining({ raw_name: '菜心', avg: 3.2, unit: '斤' }),
    ]);
  });

  it('reads 品名,产地,规格,单位,最高价,最低价,均价,日期 (high before low; 均价 is the average, not the midpoint) with 2024年3月6日 dates', async () => {
    const file = write(
      'high-first.csv',
      '品名,产地,规格,单位,最高价,最低价,均价,日期\n韭菜,山东寿光,普通,斤,3.00,2.00,2.20,2024年3月6日\n菠菜,河北,普通,斤,2.60,1.80,2.00,2024年3月6日\n',
    );
    expect(await run('wholesale-prices', file)).toMatchObject({ status: 'OK', counts: { read: 2, stored: 2 } });
    expect(await stored('wholesale-prices', '2024-03-06')).toEqual([
      expect.objectContaining({ raw_name: '菠菜', low: 1.8, avg: 2, high: 2.6, origin_text: '河北', day: '2024-03-06' }),
      expect.objectContaining({ raw_name: '韭菜', low: 2, avg: 2.2, high: 3, origin_text: '山东寿光', unit: '斤' }),
    ]);
  });

  it('reads 产品名称,规格,单位,最低价格,最高价格,平均价格,发布时间 with 20240307 and dates with a time', async () => {
    const file = write(
      'products.csv',
      '产品名称,规格,单位,最低价格,最高价格,平均价格,发布时间\n香蕉,进口,公斤,5,7,6,20240307\n葡萄,巨峰,公斤,10,14,12,2024-03-07 08:30:00\n',
    );
    expect(await run('wholesale-prices', file)).toMatchObject({ status: 'OK', counts: { read: 2, stored: 2 } });
    expect(await stored('wholesale-prices', '2024-03-07')).toEqual([
      expect.objectContaining({ raw_name: '葡萄', spec: '巨峰', avg: 12, unit: '公斤', per_kg: 12 }),
      expect.objectContaining({ raw_name: '香蕉', low: 5, avg: 6, high: 7, unit: '公斤' }),
    ]);
  });

  it('reads 商品名称 / 类别 / 价格(元/公斤) / 采集日期 / 市场名称: the unit from the price header, the market through marketCodes', async () => {
    const file = write('boards.csv', '商品名称,类别,价格(元/公斤),采集日期,市场名称\n大葱,蔬菜,4.4,2024/3/8,太原河西市场\n大葱,蔬菜,4.8,2024/3/8,晋城绿欣\n');
    expect(await run('taiyuan-boards', file)).toMatchObject({ status: 'OK', counts: { read: 2, stored: 2 } });
    expect(await stored('taiyuan-boards', '2024-03-08')).toEqual([
      expect.objectContaining({ raw_name: '大葱', avg: 4.4, unit: '公斤', per_kg: 4.4, market: 'taiyuan-hexi' }),
      expect.objectContaining({ raw_name: '大葱', avg: 4.8, unit: '公斤', market: 'jincheng-lvxin' }),
    ]);
  });

  it('reads an XLSX with full-width headers and spaces (名　称, 产　区, 均价（元/斤）, 时间) and an Excel serial day', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('行情');
    sheet.addRow(['名　称', ' 产　区 ', '均价（元/斤）', '时间', '备注']);
    // 45361 = 2024-03-10 in Excel's 1900 system.
    sheet.addRow(['蒜薹', '山东金乡', 4.5, 45361, '']);
    sheet.addRow(['生姜', '山东安丘', 6, 45361, '新货']);
    const file = path.join(dir, 'fullwidth.xlsx');
    await workbook.xlsx.writeFile(file);
    expect(await run('wholesale-prices', file)).toMatchObject({ status: 'OK', counts: { read: 2, stored: 2 } });
    expect(await stored('wholesale-prices', '2024-03-10')).toEqual([
      expect.objectContaining({ raw_name: '生姜', origin_text: '山东安丘', avg: 6, unit: '斤', per_kg: 12 }),
      expect.objectContaining({ raw_name: '蒜薹', origin_text: '山东金乡', avg: 4.5, unit: '斤' }),
    ]);
  });

  it('reads 农产品名称 / 大类 / 批发价 / 计量单位 / 交易日期 / 来源地 / 批发市场 and 蔬菜名称 / 中间价(元/斤) / 报价日期', async () => {
    const a = write('farm.csv', '农产品名称,大类,批发价,计量单位,交易日期,来源地,批发市场\n胡萝卜,蔬菜,1.6,斤,2024-03-11,内蒙古,太原河西市场\n');
    const b = write('veg.csv', '蔬菜名称,中间价(元/斤),报价日期\n莲藕,3.9,2024-03-11\n');
    expect(await run('taiyuan-boards', a)).toMatchObject({ status: 'OK', counts: { read: 1, stored: 1 } });
    expect(await run('wholesale-prices', b)).toMatchObject({ status: 'OK', counts: { read: 1, stored: 1 } });
    expect(await stored('taiyuan-boards', '2024-03-11')).toEqual([
      expect.objectContaining({ raw_name: '胡萝卜', origin_text: '内蒙古', avg: 1.6, unit: '斤', market: 'taiyuan-hexi' }),
    ]);
    expect(await stored('wholesale-prices', '2024-03-11')).toEqual([expect.objectContaining({ raw_name: '莲藕', avg: 3.9, unit: '斤' })]);
  });

  it('reads English headers (Name, Variety, Origin, Min, Max, Avg, Unit, Spec, Market, Date)', async () => {
    const file = write(
      'english.csv',
      'Name, Variety, Origin, Min, Max, Avg, Unit, Spec, Market, Date\napple,Fuji,Shanxi,5,7,6,kg,80mm,taiyuan-hexi,2024-03-12\n',
    );
    expect(await run('wholesale-prices', file)).toMatchObject({ status: 'OK', counts: { read: 1, stored: 1 } });
    const [row] = await t.sql(
      `select raw_name, origin_text, spec, unit, avg_per_kg::float as per_kg, m.code as market from price_observation o join market m on m.id = o.market_id
        where source_connector = 'wholesale-prices' and observed_on = '2024-03-12'`,
    );
    expect(row).toEqual({ raw_name: 'apple', origin_text: 'Shanxi', spec: '80mm', unit: 'kg', per_kg: 6, market: 'taiyuan-hexi' });
  });

  it('reads a list by an explicit `columns` mapping, and the same list without it is refused naming the headers', async () => {
    const content = '菜品,地区,今日报价(元/公斤),行情日期\n茄子,海南,5.6,2024-03-13\n';
    const file = write('mapped.csv', content);
    expect(await run('mapped-list', file)).toMatchObject({ status: 'OK', counts: { read: 1, stored: 1 } });
    expect(await stored('mapped-list', '2024-03-13')).toEqual([
      expect.objectContaining({ raw_name: '茄子', origin_text: '海南', avg: 5.6, unit: '公斤', market: 'taiyuan-hexi' }),
    ]);
    const refused = await run('wholesale-prices', write('unmapped.csv', content));
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toContain('unmapped.csv: cannot place the columns of this price list');
    expect(refused.error).toContain('the header "地区" could be the origin (origin) or the market (market)');
    expect(refused.error).toContain('no column holds the product name (name)');
    expect(refused.error).toContain('Headers seen: "菜品", "地区", "今日报价(元/公斤)", "行情日期"');
    expect(refused.error).toContain('"columns"');
  });

  it('keeps refusing bad cells row by row, with the field and the position (2024-13-45 is refused, not wrapped)', async () => {
    const file = write(
      'cells.csv',
      '品名,产地,规格,单位,最高价,最低价,均价,日期\n芹菜,河北,普通,斤,2,1,abc,2024-03-14\n芹菜,河北,普通,斤,2,1,1.5,2024-13-45\n油菜,河北,普通,斤,2,1,1.5,2024-03-14\n',
    );
    expect(await run('wholesale-prices', file)).toMatchObject({ status: 'OK', counts: { read: 3, stored: 1, rejected: 2 } });
    const rejected = await t.sql(`select field, position, reason from rejected_record where position like 'cells.csv:%' order by position`);
    expect(rejected).toEqual([
      { field: '均价', position: 'cells.csv:2', reason: expect.stringMatching(/^均价: "abc" is not a price: a number, a range such as 1\.20-1\.80/) },
      { field: '日期', position: 'cells.csv:3', reason: '日期 is not a date: "2024-13-45"' },
    ]);
  });
});

describe('absurd prices (session 7)', () => {
  it('a day shifted into a price column refuses that row; the rest of the list is stored (was: the whole run failed, "numeric field overflow")', async () => {
    const file = write(
      'absurd.csv',
      '品名,价格,单位,日期\n白菜,1.5,斤,2024-03-06\n菠菜,20240306000,斤,2024-03-06\n芹菜,20240306,斤,2024-03-06\n番红花,9000000,克,2024-03-06\n油菜,1.2,斤,2024-03-06\n',
    );
    expect(await run('wholesale-prices', file)).toMatchObject({ status: 'OK', counts: { read: 5, stored: 2, rejected: 3 } });
    const rejected = await t.sql(`select field, position, reason from rejected_record where position like 'absurd.csv:%' order by position`);
    expect(rejected).toEqual([
      { field: 'avgPrice', position: 'absurd.csv:3', reason: expect.stringMatching(/at most 100000000 yuan/) },
      { field: 'avgPrice', position: 'absurd.csv:4', reason: expect.stringMatching(/20240306 per 斤 is more than 10000000 yuan per kg/) },
      { field: 'avgPrice', position: 'absurd.csv:5', reason: expect.stringMatching(/9000000 per 克 is more than 10000000 yuan per kg/) },
    ]);
  });
});

describe('price lists the hub refuses whole, with one error saying how to fix it', () => {
  const refusedBy = async (name: string, content: string, connector = 'wholesale-prices') => {
    const before = await t.sql(`select count(*)::int as n from rejected_record`);
    const result = await run(connector, write(name, content));
    expect(result).toMatchObject({ status: 'FAILED', counts: { stored: 0 } });
    // Nothing of it stored, not even as refused rows.
    expect(await t.sql(`select count(*)::int as n from rejected_record`)).toEqual(before);
    return result.error as string;
  };

  it('a header that could be two roles', async () => {
    const error = await refusedBy('region.csv', '品名,地区,单位,均价,日期\n白萝卜,山东,斤,0.8,2024-03-15\n');
    expect(error).toContain('the header "地区" could be the origin (origin) or the market (market)');
    expect(error).toContain('Headers seen: "品名", "地区", "单位", "均价", "日期"');
    expect(error).toContain('"columns": {"origin":"地区","name":"品名","avg":"均价","date":"日期"}');
  });

  it('two columns for one role', async () => {
    const error = await refusedBy('two-prices.csv', '品名,单位,批发价,均价,日期\n白萝卜,斤,0.8,0.9,2024-03-15\n');
    expect(error).toContain('"批发价", "均价" are all the average price (avg)');
  });

  it('a missing date (there is no default day)', async () => {
    const error = await refusedBy('no-date.csv', '品名,单位,均价\n白萝卜,斤,0.8\n');
    expect(error).toContain('no column holds the day (date)');
  });

  it('a missing price', async () => {
    const error = await refusedBy('no-price.csv', '品名,单位,最低价,日期\n白萝卜,斤,0.8,2024-03-15\n');
    expect(error).toContain('no column holds a price');
  });

  it('a missing unit: no unit column, none in a price header or the config, and names that carry none', async () => {
    const error = await refusedBy('no-unit.csv', 'date,name,place,price\n2018/12/4,菜心,广东,3.2\n');
    expect(error).toContain('no column holds the unit the prices are per (unit)');
    expect(error).toContain('"unit": "斤"');
    // Names that each carry their unit (椰青/个) need no unit column.
    const ok = await run('wholesale-prices', write('per-piece.csv', '名称,价格,日期\n椰青/个,4.5,2024-03-16\n'));
    expect(ok).toMatchObject({ status: 'OK', counts: { stored: 1 } });
    expect(await stored('wholesale-prices', '2024-03-16')).toEqual([expect.objectContaining({ raw_name: '椰青/个', unit: '个', per_kg: null })]);
  });

  it('the same through a spreadsheet upload (importSpreadsheet)', async () => {
    const file = write('upload.csv', '品名,地区,单位,均价,日期\n白萝卜,山东,斤,0.8,2024-03-15\n');
    const res = await t.gql(`mutation ($path: String!) { importSpreadsheet(path: $path) { status error counts { read stored } } }`, { path: file });
    expect(res.errors).toBeUndefined();
    expect(res.data.importSpreadsheet).toMatchObject({ status: 'FAILED', counts: { stored: 0 } });
    expect(res.data.importSpreadsheet.error).toContain('the header "地区" could be the origin (origin) or the market (market)');
  });
});

describe('the `columns` option', () => {
  it('is checked when the connector is configured: known roles only, one role per header', async () => {
    await expect(loadConnectors([{ name: 'bad-columns', module: 'wholesale-prices', config: { columns: { price: '价格' } } }])).rejects.toThrow(
      /bad-columns.*columns/,
    );
    await expect(loadConnectors([{ name: 'twice', module: 'wholesale-prices', config: { columns: { avg: '价格', low: '价格' } } }])).rejects.toThrow(
      /twice \(wholesale-prices\) config\.columns\.avg: "价格" is already the low column/,
    );
    const [ok] = await loadConnectors([{ name: 'fine', module: 'spreadsheet-upload', config: { columns: { name: '菜名' }, unit: '斤' } }]);
    expect(ok.config).toMatchObject({ columns: { name: '菜名' }, unit: '斤' });
  });
});
