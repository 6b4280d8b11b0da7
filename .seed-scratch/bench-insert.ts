import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/platform/database.js';
import { readRegions } from '../seeds/regions.seed.js';
import { insertIgnoringConflicts } from '../seeds/bulk-insert.js';
const orm = await MikroORM.init(ormOptions('postgres://root@127.0.0.1:5432/seeds_dev'));
const em = orm.em.fork();
const rows = await readRegions(['14']);
for (const size of [1000, 5000, 25000]) {
  await em.execute('truncate region cascade');
  let t = performance.now();
  const n = await insertIgnoringConflicts(em, 'region', ['code','name','level','parent_code'], rows.map(r => [r.code, r.name, r.level, r.parentCode]), '(code)', size);
  console.log('values chunk', size, n, (performance.now() - t).toFixed(0));
}
await em.execute('truncate region cascade');
let t = performance.now();
const res = await em.execute(`insert into region (code, name, level, parent_code) select * from unnest(array[?]::text[], array[?]::text[], array[?]::region_level[], array[?]::text[]) on conflict (code) do nothing`, [rows.map(r=>r.code), rows.map(r=>r.name), rows.map(r=>r.level), rows.map(r=>r.parentCode)], 'run');
console.log('unnest', res, (performance.now() - t).toFixed(0));
await orm.close();
