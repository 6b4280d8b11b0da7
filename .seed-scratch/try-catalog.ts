import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/platform/database.js';
import { seedCatalog } from '../seeds/catalog.seed.js';
const orm = await MikroORM.init({ ...ormOptions('postgres://root@127.0.0.1:5432/seeds_dev'), debug: process.env.DEBUG ? ['query'] : false });
for (let i = 0; i < 2; i++) {
  const em = orm.em.fork();
  const t = performance.now();
  await seedCatalog(em);
  console.log('catalog', (performance.now() - t).toFixed(0), 'ms', await em.execute(`select (select count(*) from product_category) c, (select count(*) from product) p, (select count(*) from variety) v, (select max(id) from variety) vmax`));
}
console.log(await orm.em.fork().execute(`select p.code, p.aliases, p.is_farm_product, p.cold_chain_min_c, c.code cat, pc.code parent from product p join product_category c on c.id=p.category_id left join product_category pc on pc.id = c.parent_id where p.code in ('apple','watermelon','aged-vinegar','banana')`));
console.log(await orm.em.fork().execute(`select v.name, v.aliases from variety v join product p on p.id=v.product_id where p.code='apple' limit 3`));
await orm.close();
